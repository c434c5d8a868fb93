// A token is known only in the browser: the page is the SPA fallback (200.html), as on Netlify
// and the single server every path without a file of its own is. Nothing is prerendered for it.
export const prerender = false;
