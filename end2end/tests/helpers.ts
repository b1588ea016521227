// Shared helpers for the specs.
import { execFileSync } from 'node:child_process';
import { expect, Page, TestInfo, test } from '@playwright/test';

/** Whether this run has JavaScript (the `js` project) or only server-rendered HTML. */
export function hasJs(testInfo: TestInfo): boolean {
  return testInfo.project.name === 'js';
}

/** Waits until the wasm has hydrated the page (body[data-hydrated]). */
export async function waitHydrated(page: Page) {
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
}

/** The extra broker user the e2e server accepts (APP_MQTT__EXTRA_USERS in scripts/test.sh). */
export const MQTT_USER = process.env.E2E_MQTT_USER ?? 'pruebas';
export const MQTT_PASSWORD = process.env.E2E_MQTT_PASSWORD ?? 'pruebas-clave';

/** Publishes one message with Debian's mosquitto_pub, a real MQTT 3.1.1 client. */
export function mqttPublish(topic: string, payload: string, opts: { qos?: number; retain?: boolean } = {}) {
  const args = ['-h', '127.0.0.1', '-p', process.env.E2E_MQTT_PORT ?? '1883', '-t', topic, '-m', payload,
    '-q', String(opts.qos ?? 1), '-i', `e2e-${Date.now()}`, '-u', MQTT_USER, '-P', MQTT_PASSWORD];
  if (opts.retain) args.push('-r');
  execFileSync('mosquitto_pub', args, { timeout: 10_000 });
}

/** A value unique to this test run, to find our own message among others. */
export function unique(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** The demo accounts the e2e server seeds (APP_DEMO__SEED=true). */
export const DEMO_PASSWORD = 'mostrador-demo';
export const OPERATOR = 'operador@mostrador.local';

/** Signs in through the login form and waits until the page has left it. */
export async function login(page: Page, email: string, password: string) {
  await page.goto('/ingresar');
  await waitHydratedIfScripting(page);
  await page.getByLabel('Correo electrónico').fill(email);
  await page.getByLabel('Contraseña').fill(password);
  await page.getByRole('button', { name: 'Ingresar' }).click();
  await expect(page).not.toHaveURL(/\/ingresar/);
  await expect(page.getByTestId('account-menu')).toBeVisible();
}

/** Waits for hydration when the page runs scripts (the `nojs` project never hydrates). */
async function waitHydratedIfScripting(page: Page) {
  if (hasJs(test.info())) await waitHydrated(page);
}

/** Signs out with the top bar's button. */
export async function logout(page: Page) {
  await page.getByTestId('log-out').click();
  await expect(page).toHaveURL(/\/ingresar/);
}

/**
 * The link (starting with `pathPrefix`) of the newest mail to `to`, from the development mailbox.
 * The mailbox is the operator's alone, so it is read in a browser context of its own signed in as
 * the operator; `page` keeps its session.
 */
export async function mailLink(page: Page, to: string, pathPrefix: string): Promise<string> {
  const browser = page.context().browser();
  if (!browser) throw new Error('no browser');
  const use = test.info().project.use;
  const context = await browser.newContext({ baseURL: use.baseURL, javaScriptEnabled: use.javaScriptEnabled, locale: 'es-AR' });
  let href = '';
  try {
    const mailbox = await context.newPage();
    await login(mailbox, OPERATOR, DEMO_PASSWORD);
    await expect(async () => {
      await mailbox.goto('/dev/correos');
      const mail = mailbox.locator(`[data-testid=mail][data-to="${to}"]`).first();
      href = (await mail.getByTestId('mail-link').first().getAttribute('href', { timeout: 1000 })) ?? '';
      expect(href).toContain(pathPrefix);
    }).toPass({ timeout: 15_000 });
  } finally {
    await context.close();
  }
  return new URL(href).pathname + new URL(href).search;
}

/** Fills the sign-up form and submits it. */
export async function fillSignUp(page: Page, opts: { email: string; business: string; name?: string; rubro?: string; cuit?: string }) {
  await page.goto('/registro');
  await waitHydratedIfScripting(page);
  await page.getByLabel('Tu nombre').fill(opts.name ?? 'Ana Pérez');
  await page.getByLabel('Correo electrónico').fill(opts.email);
  await page.getByLabel('Contraseña').fill('una frase bastante larga');
  await page.getByLabel('Nombre del negocio').fill(opts.business);
  await page.getByLabel('Rubro').selectOption(opts.rubro ?? 'carniceria_panaderia');
  await page.getByLabel('CUIT (opcional)').fill(opts.cuit ?? '');
  await page.getByRole('button', { name: 'Crear cuenta' }).click();
}

/** After the sign-up form: the "check your mail" page, then the mailed link activates the account. */
export async function confirmSignUp(page: Page, email: string) {
  await expect(page).toHaveURL(/\/registro\/enviado$/);
  await expect(page.getByTestId('sign-up-sent')).toBeVisible();
  const link = await mailLink(page, email, '/confirmar-alta?token=');
  await page.goto(link);
  await waitHydratedIfScripting(page);
  await page.getByLabel('Contraseña').fill('una frase bastante larga');
  await page.getByRole('button', { name: 'Activar mi cuenta' }).click();
  await expect(page).toHaveURL(/\/negocio$/);
}

/** Signs up a new business and activates it from the mailed link; ends on `/negocio`. */
export async function signUp(page: Page, opts: { email: string; business: string; name?: string; rubro?: string; cuit?: string }) {
  await fillSignUp(page, opts);
  await confirmSignUp(page, opts.email);
}
