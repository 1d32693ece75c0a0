// Country names and ISO 3166-1 numeric codes (the world map's ids), from the vendored
// i18n-iso-countries data (MIT); loaded once.

let loaded = null;

function load() {
  loaded ??= Promise.all([
    fetch(new URL("../vendor/i18n-iso-countries-7.14.0/codes.json", import.meta.url)).then((r) => r.json()),
    fetch(new URL("../vendor/i18n-iso-countries-7.14.0/en.json", import.meta.url)).then((r) => r.json()),
  ]).then(([codes, en]) => {
    const numeric = new Map();
    const alpha2 = new Map();
    for (const [a2, , num] of codes) {
      numeric.set(a2, num);
      alpha2.set(num, a2);
    }
    const names = new Map(Object.entries(en.countries).map(([a2, n]) => [a2, Array.isArray(n) ? n[0] : n]));
    return { numeric, alpha2, names };
  });
  return loaded;
}

/** `{ numeric, alpha2, names }` maps. */
export const countries = load;

/** `US` -> `United States of America (US)`, once loaded; the code alone before. */
export async function countryName(code) {
  const { names } = await load();
  return names.get(code) ?? code;
}
