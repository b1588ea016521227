// The app shell: Spanish server-rendered home, navigation with only what works, 404 page,
// /health, hydration.
import { test, expect } from '@playwright/test';
import { DEMO_PASSWORD, OPERATOR, hasJs, login, waitHydrated } from './helpers';

test('home is server-rendered Spanish HTML with the navigation', async ({ page, request }, testInfo) => {
  // The raw HTML, before any script runs, already holds the content.
  const raw = await request.get('/');
  expect(raw.status()).toBe(200);
  const html = await raw.text();
  expect(html).toContain('<html lang="es-AR"');
  expect(html).toContain('Tu negocio, en un solo lugar');

  await page.goto('/');
  await expect(page).toHaveTitle('Mostrador');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Tu negocio, en un solo lugar');
  const nav = page.getByRole('navigation', { name: 'Principal' });
  // A visitor sees only what a visitor can use.
  await expect(nav.getByRole('link')).toHaveText(['Inicio', 'Ingresar', 'Crear cuenta']);
  if (hasJs(testInfo)) {
    await waitHydrated(page);
  } else {
    await expect(page.locator('body')).not.toHaveAttribute('data-hydrated', 'true');
  }
});

test('the operator\'s navigation reaches the status page', async ({ page }, testInfo) => {
  await login(page, OPERATOR, DEMO_PASSWORD);
  await page.goto('/');
  if (hasJs(testInfo)) await waitHydrated(page);
  const nav = page.getByRole('navigation', { name: 'Principal' });
  await nav.getByRole('link', { name: 'Estado del sistema' }).click();
  await expect(page).toHaveURL(/\/sistema$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Estado del sistema');
  await expect(nav.getByRole('link', { name: 'Estado del sistema' })).toHaveAttribute('aria-current', 'page');
});

test('unknown pages answer 404 with a Spanish page', async ({ page }) => {
  const response = await page.goto('/no-existe/para-nada');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('No encontramos esta página');
  await expect(page.getByRole('link', { name: 'Volver al inicio' })).toBeVisible();
});

test('health reports database and broker', async ({ request }) => {
  const res = await request.get('/health');
  expect(res.status()).toBe(200);
  const body = await res.json();
  expect(body.status).toBe('ok');
  expect(body.database).toHaveProperty('Ok');
  expect(body.broker).toHaveProperty('Ok');
});

test('fits a phone screen without horizontal scrolling', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  for (const path of ['/', '/ingresar', '/registro']) {
    await page.goto(path);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${path} overflows horizontally`).toBeLessThanOrEqual(0);
  }
});
