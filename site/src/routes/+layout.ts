// Every page is static HTML on the CDN; data is fetched in the browser after hydration.
export const prerender = true;
export const trailingSlash = 'never';
