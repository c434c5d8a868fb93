// Static HTML with no JavaScript bundle; the header and the copy buttons use small inline scripts.
export const csr = false;

export const load = () => ({ staticPage: true });
