// Devices: add one, see its secret and QR once, start a simulated node with that secret (the
// real protocol over the real broker), watch its values and chart update without reloading,
// switch a relay and see the node's acknowledgement.
import { test, expect } from '@playwright/test';
import { spawn, ChildProcess } from 'node:child_process';
import { DEMO_PASSWORD, hasJs, login, unique, waitHydrated } from './helpers';

const OWNER = 'pepe@donpepe.com.ar';

let node: ChildProcess | undefined;
test.afterEach(() => {
  node?.kill('SIGINT');
  node = undefined;
});

/** `mostrador simulate --device ... --secret ...`: one node with two relays, 4 readings/s. */
function startNode(uid: string, secret: string): ChildProcess {
  const bin = process.env.E2E_BIN ?? '../target/release/mostrador';
  const port = process.env.E2E_MQTT_PORT ?? '1883';
  const child = spawn(bin, ['simulate', '--device', uid, '--secret', secret, '--rate', '4', '--broker', `mqtt://127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RUST_LOG: 'warn' },
  });
  child.stderr?.on('data', (d) => process.stderr.write(`[node] ${d}`));
  return child;
}

test('add a device, run a node with its secret, watch it live and switch a relay', async ({ page }, testInfo) => {
  test.skip(!hasJs(testInfo), 'the credentials appear in place and the values refresh live with JavaScript');
  test.setTimeout(90_000);
  await login(page, OWNER, DEMO_PASSWORD);
  await page.getByRole('link', { name: 'Equipos' }).click();
  await expect(page).toHaveURL(/\/equipos$/);
  await waitHydrated(page);

  const name = `Cámara ${unique('e2e')}`;
  await page.getByLabel('Nombre').fill(name);
  await page.getByLabel('Ubicación').fill('Trastienda');
  await page.getByRole('button', { name: 'Agregar equipo' }).click();
  const card = page.getByTestId('credentials');
  await expect(card).toBeVisible();
  await expect(page.getByTestId('device-qr').locator('svg')).toBeVisible();
  const uid = (await page.getByTestId('device-uid').textContent())!.trim();
  const secret = (await page.getByTestId('device-secret').textContent())!.trim();
  // The line to paste into the node's serial console carries the same JSON.
  const consoleLine = (await page.getByTestId('device-console-line').textContent())!;
  expect(consoleLine.startsWith('provisionar {')).toBe(true);
  expect(JSON.parse(consoleLine.slice('provisionar '.length))).toMatchObject({ id: uid, secret });
  expect(uid).toMatch(/^[a-z0-9]{12}$/);
  expect(secret).toMatch(/^[0-9a-f]{64}$/);

  // The list shows the new device, offline until its node talks.
  const row = page.getByTestId(`device-${uid}`);
  await expect(row).toBeVisible();
  await expect(row.getByTestId('device-status')).toHaveAttribute('data-status', 'offline');

  node = startNode(uid, secret);
  // Live: the list turns online and shows a temperature without a reload.
  await expect(row.getByTestId('device-status')).toHaveAttribute('data-status', 'online', { timeout: 20_000 });
  await expect(row).toContainText('°C');

  await row.getByRole('link').first().click();
  await expect(page).toHaveURL(new RegExp(`/equipos/${uid}`));
  await waitHydrated(page);
  const temperature = page.getByTestId('live-temperature-0');
  await expect(temperature).toHaveText(/°C$/);
  // The chart of the last hour appears and fills in as readings arrive.
  await page.getByTestId('range-1h').click();
  const chart = page.getByTestId('chart-temperature-0');
  await expect(chart).toBeVisible({ timeout: 15_000 });
  const points = Number(await chart.getAttribute('data-points'));
  expect(points).toBeGreaterThan(0);
  // The live value changes by itself (the simulated cold room drifts every reading).
  const first = await page.getByTestId('device-counters').getByTestId('counter-frames-ok').textContent();
  await expect(page.getByTestId('device-counters').getByTestId('counter-frames-ok')).not.toHaveText(first!, { timeout: 15_000 });

  // Relay 1: switched on, pending until the node says it applied it.
  const relay = page.getByTestId('relay-0');
  await expect(relay).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId('relay-0-state')).not.toHaveAttribute('data-state', 'on');
  await page.getByTestId('relay-0-switch').click();
  await expect(page.getByTestId('relay-0-state')).toHaveAttribute('data-state', 'on', { timeout: 15_000 });
  await expect(relay).toContainText('Encendido');
});

test('a cashier sees the devices but cannot add one or switch relays', async ({ page }) => {
  await login(page, 'caja@donpepe.com.ar', DEMO_PASSWORD);
  await page.goto('/equipos');
  await expect(page.getByRole('heading', { name: 'Equipos' }).first()).toBeVisible();
  await expect(page.getByTestId('add-device')).toHaveCount(0);
  await expect(page.getByText('Agregar equipo')).toHaveCount(0);
});
