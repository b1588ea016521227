// "Estado del sistema": health, counters and live MQTT messages published by a real client.
import { test, expect } from '@playwright/test';
import { DEMO_PASSWORD, OPERATOR, hasJs, login, mqttPublish, unique, waitHydrated } from './helpers';

// The status page is the platform operator's.
test.beforeEach(async ({ page }) => {
  await login(page, OPERATOR, DEMO_PASSWORD);
});

test('visitors and business owners cannot see it', async ({ browser }) => {
  const context = await browser.newContext();
  const visitor = await context.newPage();
  await visitor.goto('/sistema');
  await expect(visitor.getByText('Tenés que iniciar sesión')).toBeVisible();
  await context.close();
});

test('shows database and broker working', async ({ page }) => {
  await page.goto('/sistema');
  await expect(page.getByTestId('database-health').locator('[data-health]')).toHaveText('Funciona');
  await expect(page.getByTestId('broker-health').locator('[data-health]')).toHaveText('Funciona');
  await expect(page.getByTestId('broker-health')).toContainText('Broker integrado');
  await expect(page.getByTestId('servers-online')).toContainText(/[1-9]/);
});

test('a message published with mosquitto_pub appears live without reload', async ({ page }, testInfo) => {
  test.skip(!hasJs(testInfo), 'live updates need JavaScript; the no-JS run is covered below');
  await page.goto('/sistema');
  await waitHydrated(page);
  await expect(page.getByTestId('live-indicator')).toContainText('En vivo');
  // A marker that a reload or navigation would wipe out.
  await page.evaluate(() => ((window as unknown as { __marker: number }).__marker = 42));

  const topic = unique('e2e/camara1/temp');
  const payload = JSON.stringify({ t: -18.5, id: unique('p') });
  mqttPublish(topic, payload);

  const row = page.getByTestId('message-row').filter({ hasText: topic });
  await expect(row).toHaveCount(1);
  await expect(row.getByTestId('message-payload')).toHaveText(payload);
  expect(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker)).toBe(42);
  await expect(page.getByTestId('message-rate')).toContainText('msg/s');
  await expect(page.getByTestId('connected-clients')).not.toContainText('—');
});

test('without JavaScript the page shows messages received before it loaded', async ({ page }, testInfo) => {
  test.skip(hasJs(testInfo), 'the JS run checks live updates');
  const topic = unique('e2e/riego/humedad');
  mqttPublish(topic, '{"h":41}');
  await expect(async () => {
    await page.goto('/sistema');
    await expect(page.getByTestId('message-row').filter({ hasText: topic })).toHaveCount(1, { timeout: 500 });
  }).toPass({ timeout: 10_000 });
});

test('a bad topic filter is explained in Spanish next to the field and kept as typed', async ({ page }, testInfo) => {
  await page.goto('/sistema');
  if (hasJs(testInfo)) await waitHydrated(page);
  const field = page.getByLabel('Filtrar mensajes por tópico');
  await field.fill('carniceria/#/temp');
  await page.getByRole('button', { name: 'Filtrar' }).click();
  await expect(page.getByTestId('topico-error')).toHaveText(
    'El comodín # solo puede ir solo y al final, como en carniceria/#.');
  await expect(field).toHaveValue('carniceria/#/temp');
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  // The rest of the page still works.
  await expect(page.getByTestId('database-health').locator('[data-health]')).toHaveText('Funciona');
});

test('a topic filter narrows the messages, including the ones that arrive live', async ({ page }, testInfo) => {
  const base = unique('e2e/filtro');
  mqttPublish(`${base}/a/temp`, '1');
  mqttPublish(`${base}/b/humedad`, '2');
  const rows = page.getByTestId('message-row').filter({ hasText: base });

  await page.goto('/sistema');
  if (hasJs(testInfo)) await waitHydrated(page);
  await page.getByLabel('Filtrar mensajes por tópico').fill(`${base}/+/temp`);
  await page.getByRole('button', { name: 'Filtrar' }).click();
  await expect(page).toHaveURL(/topico=/);
  await expect(rows).toHaveCount(1);
  await expect(rows.getByTestId('message-topic')).toHaveText(`${base}/a/temp`);
  await expect(page.getByRole('link', { name: 'Quitar filtro' })).toBeVisible();

  if (hasJs(testInfo)) {
    await expect(page.getByTestId('live-indicator')).toContainText('En vivo');
    mqttPublish(`${base}/d/humedad`, '3');
    mqttPublish(`${base}/c/temp`, '4');
    await expect(rows).toHaveCount(2);
    await expect(rows.first().getByTestId('message-topic')).toHaveText(`${base}/c/temp`);
    await expect(page.getByTestId('message-row').filter({ hasText: `${base}/d/` })).toHaveCount(0);
  }
});
