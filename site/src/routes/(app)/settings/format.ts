/** Display helpers shared by the settings sections. */

/** `editor` → `Editor`, for selects (badges capitalize with CSS). */
export function roleLabel(role: string): string {
	return role.charAt(0).toUpperCase() + role.slice(1);
}
