// One page per experiment id cannot be prerendered: the SPA fallback (200.html) serves it. No SSR
// either, so `npm run dev` renders it in the browser exactly as the fallback does.
export const prerender = false;
export const ssr = false;
