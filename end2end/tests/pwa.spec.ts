// Installable app: manifest with icons, a service worker that caches the shell, compressed
// assets.
import { test, expect } from '@playwright/test';
import { hasJs, waitHydrated } from './helpers';

test('manifest declares the app and its icons exist', async ({ request }) => {
  const res = await request.get('/manifest.webmanifest');
  expect(res.status()).toBe(200);
  const manifest = await res.json();
  expect(manifest.lang).toBe('es-AR');
  expect(manifest.display).toBe('standalone');
  const sizes = manifest.icons.map((i: { sizes: string }) => i.sizes);
  expect(sizes).toEqual(expect.arrayContaining(['192x192', '512x512']));
  for (const icon of manifest.icons) {
    const img = await request.get(icon.src);
    expect(img.status(), icon.src).toBe(200);
    expect(img.headers()['content-type']).toBe('image/png');
  }
});

test('the wasm bundle is served brotli-compressed', async ({ request }) => {
  const res = await request.get('/pkg/mostrador.wasm', { headers: { 'Accept-Encoding': 'br' } });
  expect(res.status()).toBe(200);
  expect(res.headers()['content-encoding']).toBe('br');
});

test('the service worker installs and serves the shell offline', async ({ page, context }, testInfo) => {
  test.skip(!hasJs(testInfo), 'service workers need JavaScript');
  await page.goto('/');
  await waitHydrated(page);
  const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
  expect(scope).toMatch(/\/$/);
  // Let the worker finish caching, then go offline: the home still opens from the cache.
  await page.evaluate(async () => {
    for (let i = 0; i < 50; i++) {
      const cache = await caches.open('mostrador-shell-v1');
      if ((await cache.keys()).length >= 4) return;
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  await context.setOffline(true);
  await page.reload();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Tu negocio, en un solo lugar');
  // A page never visited gets the offline page, not another page's HTML.
  await page.goto('/nunca-visitada');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sin conexión');
  await context.setOffline(false);
});
