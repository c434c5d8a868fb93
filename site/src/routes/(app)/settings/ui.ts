/** Class lists app.css has no component class for (kept here so every section matches). */
export const dangerButton =
	'btn bg-red-600 text-white hover:bg-red-700 dark:bg-red-600 dark:hover:bg-red-500 disabled:hover:bg-red-600';
export const dangerOutlineButton =
	'btn border border-red-300 bg-white text-red-700 hover:bg-red-50 dark:border-red-900 dark:bg-zinc-900 dark:text-red-400 dark:hover:bg-red-950';
export const smallButton = 'h-8 px-3 text-xs';
export const muted = 'text-zinc-600 dark:text-zinc-400';
export const sectionTitle = 'text-lg font-semibold tracking-tight';
export const label = 'block text-sm font-medium';
export const roleBadge =
	'inline-flex rounded-full bg-zinc-100 px-2 py-0.5 text-xs font-medium text-zinc-700 capitalize dark:bg-zinc-800 dark:text-zinc-300';
