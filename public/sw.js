// Mostrador service worker: caches the app shell (styles, wasm, icons, the last pages seen) so
// the app installs and opens without a network. Everything goes to the network first, so a page
// and its wasm always come from the same release while the server is reachable; the cache is
// only the fallback. A page never visited falls back to offline.html (no hydration scripts, so
// no wasm runs over the wrong page). Bump VERSION when the caching rules change.
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
  '/offline.html',
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

  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(VERSION).then((cache) => cache.put(request, copy));
        }
        return response;
      })
      .catch(() =>
        caches.match(request).then((hit) => {
          if (hit) return hit;
          if (request.mode === 'navigate') return caches.match('/offline.html');
          return Response.error();
        })
      )
  );
});
