// The world map: each destination of a restricted transfer coloured by its worst verdict
// (non-compliant, derogation, safeguarded, adequate), the EEA and the UK as the exporting areas,
// with counts. Natural Earth 1:110m countries (world-atlas, ISC) decoded by topojson-client (ISC)
// and drawn with an equirectangular projection: longitude and latitude scaled to the box.

import { run } from "../lib/api.js";
import { countries } from "../lib/countries.js";
import { feature } from "../vendor/topojson-client-3.1.0/src/index.js";
import { fill, h, label, notice, s, verdict } from "../lib/dom.js";

const DOC = new URL("./map.graphql", import.meta.url);
const ATLAS = new URL("../vendor/world-atlas-2.0.2/countries-110m.json", import.meta.url);
const WIDTH = 960;
const NORTH = 84;
const SOUTH = -58;
const K = WIDTH / 360;
const HEIGHT = (NORTH - SOUTH) * K;

/** Worst first: the colour a country gets is that of its worst transfer. */
const CLASSES = [
  ["NON_COMPLIANT", "bad", "Non-compliant"],
  ["DEROGATION", "warn", "Derogation only"],
  ["SAFEGUARDED", "safe", "Safeguarded"],
  ["ADEQUATE", "ok", "Adequate"],
  ["AREA", "area", "EEA or UK (not restricted)"],
];
const PATTERNS = { bad: "hatch", warn: "dots" };

let atlas = null;

export async function render(main, { params }) {
  const on = params.get("on") ?? "";
  fill(main, h("h1", {}, "Where the data goes"), notice("Drawing the map…"));
  atlas ??= fetch(ATLAS).then((r) => r.json());
  const [topology, data, iso] = await Promise.all([atlas, run(DOC, "Map", { on: on || null }), countries()]);

  const byCountry = new Map();
  for (const d of data.transfersByDestination) {
    const counts = Object.fromEntries(d.counts.map((c) => [c.status, c.count]));
    byCountry.set(d.destinationCountry, { counts, total: d.total, recipients: d.recipients, recipientCount: d.recipientCount });
  }
  const area = new Set([...data.eea, ...data.uk]);
  const classOf = (code) => {
    const entry = byCountry.get(code);
    if (entry) return CLASSES.find(([st]) => entry.counts[st])?.[1] ?? "ok";
    return area.has(code) ? "area" : null;
  };

  const shapes = feature(topology, topology.objects.countries).features;
  const svg = s(
    "svg",
    { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: "world", role: "img", "aria-labelledby": "map-title map-desc" },
    s("title", { id: "map-title" }, "World map of transfer destinations"),
    s("desc", { id: "map-desc" }, "Countries coloured by the worst verdict of the transfers to them; the table below lists the same counts."),
    s(
      "defs",
      {},
      s("pattern", { id: "hatch", width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" }, s("rect", { width: 6, height: 6, class: "pattern-bg bad" }), s("line", { x1: 0, y1: 0, x2: 0, y2: 6, class: "pattern-fg" })),
      s("pattern", { id: "dots", width: 5, height: 5, patternUnits: "userSpaceOnUse" }, s("rect", { width: 5, height: 5, class: "pattern-bg warn" }), s("circle", { cx: 2.5, cy: 2.5, r: 1, class: "pattern-fg" })),
    ),
  );
  for (const shape of shapes) {
    const code = iso.alpha2.get(shape.id);
    const tone = code ? classOf(code) : null;
    const entry = code ? byCountry.get(code) : null;
    const name = iso.names.get(code) ?? shape.properties?.name ?? "";
    const path = s("path", { d: pathOf(shape.geometry), class: `country ${tone ?? ""}`, fill: PATTERNS[tone] ? `url(#${PATTERNS[tone]})` : null });
    path.append(s("title", {}, entry ? `${name}: ${entry.total} transfers (${Object.entries(entry.counts).map(([k, v]) => `${v} ${label(k).toLowerCase()}`).join(", ")})` : tone === "area" ? `${name}: inside the EEA or UK` : name));
    if (entry) {
      const link = s("a", { href: `#/register?destination=${code}`, "aria-label": `${name}: ${entry.total} transfers` }, path);
      svg.append(link);
    } else svg.append(path);
  }

  const totals = Object.fromEntries(CLASSES.map(([st]) => [st, 0]));
  for (const entry of byCountry.values()) for (const [st, n] of Object.entries(entry.counts)) totals[st] = (totals[st] ?? 0) + n;
  const legend = h(
    "ul",
    { class: "legend", "aria-label": "Legend" },
    CLASSES.map(([st, tone, text]) => h("li", {}, h("span", { class: `swatch ${tone}`, "aria-hidden": "true" }), text, st === "AREA" ? ` (${area.size} countries)` : ` (${totals[st] ?? 0} transfer${totals[st] === 1 ? "" : "s"})`)),
  );
  const rows = [...byCountry.entries()].sort((a, b) => b[1].total - a[1].total);
  const table = h(
    "table",
    { class: "data" },
    h("caption", {}, "Transfers by destination"),
    h("thead", {}, h("tr", {}, ["Destination", "Transfers", "Worst verdict", "Recipients"].map((c) => h("th", { scope: "col" }, c)))),
    h(
      "tbody",
      {},
      rows.map(([code, entry]) =>
        h(
          "tr",
          {},
          h("th", { scope: "row" }, h("a", { href: `#/register?destination=${code}` }, `${iso.names.get(code) ?? code} (${code})`)),
          h("td", { class: "num" }, entry.total),
          h("td", {}, verdict(CLASSES.find(([st]) => entry.counts[st])?.[0])),
          h("td", {}, entry.recipients.join(", "), entry.recipientCount > entry.recipients.length ? ` and ${entry.recipientCount - entry.recipients.length} more` : ""),
        ),
      ),
    ),
  );
  fill(main, h("h1", {}, "Where the data goes", on ? ` (as of ${on})` : ""), h("div", { class: "map-wrap" }, svg, legend), rows.length ? table : notice("No restricted transfers: all data stays in the EEA or the UK."));
}

function point([lon, lat]) {
  return `${((lon + 180) * K).toFixed(1)},${((NORTH - lat) * K).toFixed(1)}`;
}

/** A ring with its longitudes made continuous: one crossing the antimeridian (Chukotka, Fiji) runs
 *  on past the map's edge, where the SVG clips it, instead of striping across the map. */
function ring(coordinates) {
  let shift = 0;
  let previous = coordinates[0][0];
  const unwrapped = coordinates.map(([lon, lat]) => {
    if (lon + shift - previous > 180) shift -= 360;
    else if (lon + shift - previous < -180) shift += 360;
    previous = lon + shift;
    return [previous, lat];
  });
  return `M${unwrapped.map(point).join("L")}Z`;
}

function pathOf(geometry) {
  if (!geometry) return "";
  if (geometry.type === "Polygon") return geometry.coordinates.map(ring).join("");
  if (geometry.type === "MultiPolygon") return geometry.coordinates.flatMap((polygon) => polygon.map(ring)).join("");
  return "";
}
