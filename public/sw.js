// Mostrador service worker: caches the app shell (styles, wasm, icons, the last pages seen) so
// the app installs and opens without a network. Pages and API calls go to the network first,
// so what the owner sees is live whenever the server is reachable; the cache is the fallback.
// Bump VERSION when the caching rules change; assets are revalidated on every visit anyway.
const VERSION = 'mostrador-shell-v1';
const SHELL = [
  '/',
  '/pkg/mostrador.css',
  '/pkg/mostrador.js',
  '/pkg/mostrador.wasm',
  '/manifest.webmanifest',
  '/icons/icon-192.png',
  '/icons/icon-512.png',
  '/register-sw.js',
];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(VERSION)
      // One missing file must not stop the install: cache what can be fetched.
      .then((cache) => Promise.allSettled(SHELL.map((url) => cache.add(url))))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== VERSION).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  // Live streams and server functions are never cached.
  if (url.pathname.startsWith('/api/') || url.pathname === '/health') return;

  if (request.mode === 'navigate') {
    // Network first for pages; the cached copy (or the cached home) when offline.
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok) {
            const copy = response.clone();
            caches.open(VERSION).then((cache) => cache.put(request, copy));
          }
          return response;
        })
        .catch(() => caches.match(request).then((hit) => hit || caches.match('/')))
    );
    return;
  }

  // Static assets: answer from the cache at once and refresh it in the background.
  event.respondWith(
    caches.open(VERSION).then((cache) =>
      cache.match(request).then((hit) => {
        const refresh = fetch(request)
          .then((response) => {
            if (response.ok) cache.put(request, response.clone());
            return response;
          })
          .catch(() => hit);
        return hit || refresh;
      })
    )
  );
});
