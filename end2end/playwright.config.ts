// Playwright runs every spec twice: once with JavaScript (hydrated app) and once without (the
// server-rendered HTML alone must work). Debian's Chromium, never a downloaded browser.
// scripts/test.sh starts the server and sets E2E_BASE_URL / E2E_MQTT_PORT.
import { defineConfig } from '@playwright/test';

const chromium = {
  browserName: 'chromium' as const,
  launchOptions: {
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  },
};

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  globalSetup: './global-setup.ts',
  use: {
    baseURL: process.env.E2E_BASE_URL ?? 'http://127.0.0.1:3000',
    locale: 'es-AR',
    trace: 'retain-on-failure',
  },
  projects: [
    { name: 'js', use: { ...chromium, javaScriptEnabled: true } },
    { name: 'nojs', use: { ...chromium, javaScriptEnabled: false } },
  ],
});
