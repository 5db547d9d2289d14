/**
 * The service worker (vite-plugin-pwa, registerType 'prompt'): a new version
 * waits until the player taps "Reload", and the reload itself waits until no
 * write is in flight, so an update never interrupts a transfer or a restore.
 */
import { signal } from '@preact/signals';
import { inFlight } from './state';

const needRefresh = signal(false);
const offlineReady = signal(false);
let update: ((reload?: boolean) => Promise<void>) | undefined;

/** Registers the service worker in production builds (the dev server has none). */
export async function registerServiceWorker(): Promise<void> {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  const { registerSW } = await import('virtual:pwa-register');
  update = registerSW({
    onNeedRefresh: () => (needRefresh.value = true),
    onOfflineReady: () => (offlineReady.value = true),
  });
}

async function reloadWhenIdle(): Promise<void> {
  while (inFlight.value > 0) await new Promise((r) => setTimeout(r, 50));
  // A page the old worker controls reloads when the new one takes over (workbox-window's 'controlling').
  // A page no worker controls yet (the very first visit) gets no such event: it reloads once the new one is active.
  const controlled = !!navigator.serviceWorker.controller;
  await update?.(true);
  if (!controlled) {
    const registration = await navigator.serviceWorker.getRegistration();
    for (let i = 0; i < 40 && registration?.waiting; i++) await new Promise((r) => setTimeout(r, 50));
    location.reload();
  }
}

/** The "new version" prompt and the one-time "works offline" note. */
export function UpdatePrompt() {
  if (needRefresh.value) {
    return (
      <div class="banner" role="alert">
        <span>A new version of the app is ready.</span>
        <button type="button" onClick={() => void reloadWhenIdle()}>
          Reload
        </button>
        <button type="button" onClick={() => (needRefresh.value = false)}>
          Later
        </button>
      </div>
    );
  }
  if (offlineReady.value) {
    return (
      <div class="banner info" role="status">
        <span>The app now works offline.</span>
        <button type="button" onClick={() => (offlineReady.value = false)}>
          OK
        </button>
      </div>
    );
  }
  return null;
}
