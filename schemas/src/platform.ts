/**
 * The three platforms of the contract, in byte order (uppercase sorts before lowercase),
 * which is also the API's row order.
 */
export const PLATFORMS = ["Android", "MobileWeb", "iOS"] as const;
export type Platform = (typeof PLATFORMS)[number];

const byLowerCase = new Map<string, Platform>(PLATFORMS.map((p) => [p.toLowerCase(), p]));

/**
 * Maps a platform folder or an order's device_type onto a platform, case-insensitively, ignoring
 * surrounding whitespace (exports and folder names carry stray blanks).
 */
export function parsePlatform(value: string): Platform | undefined {
  return parsePlatformName(value.trim());
}

/** Maps an API value onto a platform, case-insensitively; `" iOS"` is not a platform name. */
export function parsePlatformName(value: string): Platform | undefined {
  return byLowerCase.get(value.toLowerCase());
}
