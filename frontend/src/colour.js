// Text that stays readable on a colour the user picked (WCAG 2 contrast):
// black or white, whichever contrasts more. No DOM; unit-tested.

const HEX = /^#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i;

/** [r, g, b] (0–255) of `#rgb`, `#rgba`, `#rrggbb` or `#rrggbbaa`; null for anything else. */
export function parseHex(colour) {
  if (typeof colour !== 'string' || !HEX.test(colour)) return null;
  let hex = colour.slice(1);
  if (hex.length <= 4) hex = [...hex].map((ch) => ch + ch).join('');
  return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
}

/** Relative luminance (WCAG 2.x) of an [r, g, b]. */
export function luminance([r, g, b]) {
  const linear = (v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

/** The contrast ratio of two luminances (1 to 21). */
export function contrast(l1, l2) {
  return (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
}

/** '#000000' or '#ffffff': the one that contrasts more with `colour` (white for a colour that does not parse). */
export function textColourOn(colour) {
  const rgb = parseHex(colour);
  if (!rgb) return '#ffffff';
  const l = luminance(rgb);
  return contrast(l, 0) >= contrast(l, 1) ? '#000000' : '#ffffff';
}
