// Shared helpers for the specs.
import { execFileSync } from 'node:child_process';
import { expect, Page, TestInfo } from '@playwright/test';

/** Whether this run has JavaScript (the `js` project) or only server-rendered HTML. */
export function hasJs(testInfo: TestInfo): boolean {
  return testInfo.project.name === 'js';
}

/** Waits until the wasm has hydrated the page (body[data-hydrated]). */
export async function waitHydrated(page: Page) {
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
}

/** Publishes one message with Debian's mosquitto_pub, a real MQTT 3.1.1 client. */
export function mqttPublish(topic: string, payload: string, opts: { qos?: number; retain?: boolean } = {}) {
  const args = ['-h', '127.0.0.1', '-p', process.env.E2E_MQTT_PORT ?? '1883', '-t', topic, '-m', payload,
    '-q', String(opts.qos ?? 1), '-i', `e2e-${Date.now()}`];
  if (opts.retain) args.push('-r');
  execFileSync('mosquitto_pub', args, { timeout: 10_000 });
}

/** A value unique to this test run, to find our own message among others. */
export function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
