// Accounts, businesses, roles: sign up, invite a cashier, password reset through the logged
// mail, forms that keep what was typed, and two businesses that never meet.
import { test, expect } from '@playwright/test';
import { DEMO_PASSWORD, OPERATOR, confirmSignUp, fillSignUp, hasJs, login, logout, mailLink, signUp, unique, waitHydrated } from './helpers';

test('sign up, invite a cashier, and the cashier cannot open the members page', async ({ page }, testInfo) => {
  test.skip(!hasJs(testInfo), 'the forms answer in place with JavaScript; no-JS sign-in is covered below');
  const tag = unique('c');
  const owner = `duenia-${tag}@carniceria.com.ar`;
  const cashier = `caja-${tag}@carniceria.com.ar`;
  const business = `Carnicería ${tag}`;

  await signUp(page, { email: owner, business, cuit: '20-12345678-6' });
  await expect(page).toHaveURL(/\/negocio$/);
  await expect(page.getByTestId('business-name')).toHaveText(business);
  await expect(page.getByTestId('current-business')).toHaveText(business);

  await page.getByRole('link', { name: 'Miembros' }).click();
  await expect(page).toHaveURL(/\/negocio\/miembros$/);
  await waitHydrated(page);
  await page.getByLabel('Correo electrónico').fill(cashier);
  await page.getByLabel('Rol de la persona invitada').selectOption('cashier');
  await page.getByRole('button', { name: 'Enviar invitación' }).click();
  await expect(page.getByTestId('invitation-sent')).toBeVisible();
  await expect(page.getByTestId('invitation').filter({ hasText: cashier })).toContainText('Cajero/a');
  await logout(page);

  const link = await mailLink(page, cashier, '/invitacion?token=');
  await page.goto(link);
  await waitHydrated(page);
  await expect(page.getByTestId('invitation-business')).toHaveText(business);
  await page.getByLabel('Tu nombre').fill('Caro de la caja');
  await page.getByLabel('Contraseña').fill('la caja de caro');
  await page.getByRole('button', { name: 'Crear cuenta y unirme' }).click();
  await expect(page).toHaveURL(/\/negocio$/);
  await expect(page.getByTestId('current-business')).toHaveText(business);

  // The navigation hides what a cashier cannot do; the page refuses it too.
  await expect(page.getByRole('link', { name: 'Miembros' })).toHaveCount(0);
  await page.goto('/negocio/miembros');
  await expect(page.getByTestId('forbidden')).toHaveText('No tenés permiso para ver esta página.');
  await expect(page.getByText(owner)).toHaveCount(0);
});

test('a refused field shows its reason next to it and nothing typed is lost', async ({ page }, testInfo) => {
  test.skip(!hasJs(testInfo), 'in-place errors need JavaScript');
  const email = `${unique('x')}@tienda.com.ar`;
  await fillSignUp(page, { email, business: 'Tienda Norte', cuit: '20-12345678-5', rubro: 'tienda_ropa' });
  await expect(page.getByTestId('error-cuit')).toContainText('dígito verificador');
  await expect(page.getByLabel('CUIT (opcional)')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Correo electrónico')).toHaveValue(email);
  await expect(page.getByLabel('Nombre del negocio')).toHaveValue('Tienda Norte');
  await expect(page.getByLabel('Rubro')).toHaveValue('tienda_ropa');
  await expect(page.getByLabel('CUIT (opcional)')).toHaveValue('20-12345678-5');
  // Fixing it is enough.
  await page.getByLabel('CUIT (opcional)').fill('20-12345678-6');
  await page.getByRole('button', { name: 'Crear cuenta' }).click();
  await confirmSignUp(page, email);
  await expect(page.getByTestId('business-name')).toHaveText('Tienda Norte');
});

test('signing up with an address that has an account says nothing on screen and mails its owner', async ({ page }) => {
  // Works without JavaScript too: the form posts and the server answers with the same page.
  const email = `${unique('y')}@tienda.com.ar`;
  await signUp(page, { email, business: `Tienda ${unique('t')}` });
  await logout(page);
  await fillSignUp(page, { email, business: 'Otra tienda' });
  await expect(page).toHaveURL(/\/registro\/enviado$/);
  await expect(page.getByTestId('sign-up-sent')).toBeVisible();
  const link = await mailLink(page, email, '/ingresar');
  expect(link).toBe('/ingresar');
});

test('unknown account and wrong password get the same message, next to the password', async ({ page }, testInfo) => {
  test.skip(!hasJs(testInfo), 'in-place errors need JavaScript');
  await page.goto('/ingresar');
  await waitHydrated(page);
  await page.getByLabel('Correo electrónico').fill('nadie-aca@ejemplo.com.ar');
  await page.getByLabel('Contraseña').fill('cualquier cosa 1');
  await page.getByRole('button', { name: 'Ingresar' }).click();
  await expect(page.getByTestId('error-password')).toHaveText('El correo o la contraseña no son correctos.');
  await expect(page.getByLabel('Correo electrónico')).toHaveValue('nadie-aca@ejemplo.com.ar');
  await page.getByLabel('Correo electrónico').fill('caja@donpepe.com.ar');
  await page.getByRole('button', { name: 'Ingresar' }).click();
  await expect(page.getByTestId('error-password')).toHaveText('El correo o la contraseña no son correctos.');
});

test('reset the password through the mail the server logged', async ({ page }, testInfo) => {
  test.skip(!hasJs(testInfo), 'in-place confirmations need JavaScript');
  const email = `${unique('r')}@panaderia.com.ar`;
  await signUp(page, { email, business: `Panadería ${unique('p')}`, rubro: 'carniceria_panaderia' });
  await expect(page).toHaveURL(/\/negocio$/);
  await logout(page);

  await page.getByRole('link', { name: '¿Olvidaste tu contraseña?' }).click();
  await waitHydrated(page);
  await page.getByLabel('Correo electrónico').fill(email);
  await page.getByRole('button', { name: 'Enviar enlace' }).click();
  await expect(page.getByTestId('reset-sent')).toBeVisible();

  const link = await mailLink(page, email, '/restablecer-contrasena?token=');
  await page.goto(link);
  await waitHydrated(page);
  await page.getByLabel('Contraseña nueva').fill('corta');
  await page.getByRole('button', { name: 'Guardar contraseña' }).click();
  await expect(page.getByTestId('error-password')).toContainText('10 caracteres');
  await page.getByLabel('Contraseña nueva').fill('mi nueva contraseña larga');
  await page.getByRole('button', { name: 'Guardar contraseña' }).click();
  await expect(page.getByTestId('account-menu')).toBeVisible();
  await logout(page);
  await login(page, email, 'mi nueva contraseña larga');
});

test('two businesses never see each other', async ({ browser }, testInfo) => {
  test.skip(!hasJs(testInfo), 'one run is enough');
  const a = await browser.newPage();
  const b = await browser.newPage({ storageState: undefined });
  const tagA = unique('a');
  const tagB = unique('b');
  await signUp(a, { email: `${tagA}@a.com.ar`, business: `Negocio ${tagA}` });
  await expect(a).toHaveURL(/\/negocio$/);
  // A invites someone: its members page and audit log now hold A-only data.
  await a.goto('/negocio/miembros');
  await waitHydrated(a);
  await a.getByLabel('Correo electrónico').fill(`invitada-${tagA}@a.com.ar`);
  await a.getByRole('button', { name: 'Enviar invitación' }).click();
  await expect(a.getByTestId('invitation-sent')).toBeVisible();

  const context = await browser.newContext();
  const pb = await context.newPage();
  await signUp(pb, { email: `${tagB}@b.com.ar`, business: `Negocio ${tagB}` });
  await expect(pb).toHaveURL(/\/negocio$/);
  for (const path of ['/negocio', '/negocio/miembros', '/negocio/auditoria', '/cuenta']) {
    await pb.goto(path);
    await expect(pb.locator('main')).not.toContainText(tagA);
  }
  await expect(pb.getByTestId('my-businesses').locator('li')).toHaveCount(1);
  await a.close();
  await b.close();
  await context.close();
});

test('the operator sees every business and the system status', async ({ page }, testInfo) => {
  await login(page, OPERATOR, DEMO_PASSWORD);
  await page.goto('/operador');
  const row = page.getByTestId('business-row').filter({ hasText: 'Carnicería Don Pepe' });
  await expect(row).toContainText('Carnicería / panadería');
  await expect(row).toContainText('2');
  if (hasJs(testInfo)) await expect(page.getByRole('link', { name: 'Estado del sistema' }).first()).toBeVisible();
});

test('signing in works without JavaScript', async ({ page }, testInfo) => {
  test.skip(hasJs(testInfo), 'the no-JS path: a plain form POST, a redirect and a cookie');
  await login(page, 'pepe@donpepe.com.ar', DEMO_PASSWORD);
  await expect(page.getByTestId('current-business')).toHaveText('Carnicería Don Pepe');
  await page.goto('/negocio/miembros');
  await expect(page.getByTestId('member').filter({ hasText: 'caja@donpepe.com.ar' })).toContainText('Cajero/a');
});

test('a refused member edit stays open with what was typed; a good one saves the staff record', async ({ page }, testInfo) => {
  test.skip(!hasJs(testInfo), 'in-place errors need JavaScript');
  await login(page, 'direccion@medicosur.com.ar', DEMO_PASSWORD);
  await page.goto('/negocio/miembros');
  await waitHydrated(page);
  const card = page.getByTestId('member').filter({ hasText: 'dra.sosa@medicosur.com.ar' });
  await card.getByText('Editar').click();
  const phone = card.getByLabel('Teléfono');
  await phone.fill('llamame al consultorio');
  await card.getByRole('button', { name: 'Guardar' }).click();
  await expect(card.getByTestId('error-phone')).toContainText('Escribí el teléfono con números');
  await expect(phone).toBeVisible();
  await expect(phone).toHaveValue('llamame al consultorio');
  // Other cards show nothing of this error.
  await expect(page.getByTestId('error-phone')).toHaveCount(1);

  await phone.fill('+54 9 11 4444-5555');
  await card.getByLabel('Atiende turnos (profesional con agenda)').check();
  await card.getByRole('button', { name: 'Guardar' }).click();
  const saved = page.getByTestId('member').filter({ hasText: 'dra.sosa@medicosur.com.ar' });
  await expect(saved).toContainText('+54 9 11 4444-5555');
  await expect(saved).toContainText('Atiende turnos');
});

test('pages hydrate under the CSP without console errors', async ({ page }, testInfo) => {
  test.skip(!hasJs(testInfo), 'scripts only run with JavaScript');
  const errors: string[] = [];
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
  page.on('pageerror', (err) => errors.push(err.message));
  for (const path of ['/', '/ingresar', '/registro', '/recuperar-contrasena']) {
    await page.goto(path);
    await waitHydrated(page);
  }
  await login(page, OPERATOR, DEMO_PASSWORD);
  for (const path of ['/cuenta', '/operador', '/sistema']) {
    await page.goto(path);
    await waitHydrated(page);
  }
  await login(page, 'pepe@donpepe.com.ar', DEMO_PASSWORD);
  for (const path of ['/negocio', '/negocio/miembros', '/negocio/auditoria']) {
    await page.goto(path);
    await waitHydrated(page);
  }
  expect(errors).toEqual([]);
});

test('without JavaScript a refused login still says why, next to the field', async ({ page }, testInfo) => {
  test.skip(hasJs(testInfo), 'the no-JS path: the error comes back in the redirect');
  await page.goto('/ingresar');
  await page.getByLabel('Correo electrónico').fill('nadie-nojs@ejemplo.com.ar');
  await page.getByLabel('Contraseña').fill('cualquier cosa 1');
  await page.getByRole('button', { name: 'Ingresar' }).click();
  await expect(page).toHaveURL(/\/ingresar/);
  await expect(page.getByTestId('error-password')).toHaveText('El correo o la contraseña no son correctos.');
});
