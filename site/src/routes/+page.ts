// Static HTML with no JavaScript bundle (the landing page's budget is 30 KB of gzipped JS); the
// header notices `staticPage` and enhances itself with a tiny inline script instead.
export const csr = false;

export const load = () => ({ staticPage: true });
