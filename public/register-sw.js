// Registers the service worker that makes Mostrador installable and usable offline.
if ('serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch((err) => console.warn('SW', err));
  });
}
