// "Estado del sistema": health, counters and live MQTT messages published by a real client.
import { test, expect } from '@playwright/test';
import { hasJs, mqttPublish, unique, waitHydrated } from './helpers';

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
