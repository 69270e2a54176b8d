// dispatch-map — the board and the service areas on Leaflet maps (window.L,
// Debian's /vendor/leaflet). Tiles only when /v1/web/config gives a tile URL;
// otherwise points on a plain background. Every point has a visible text
// label, and the page lists the same data as tables: the map is never the
// only way to see or act.
import { el } from '../shell.js';

export const REF = [48.8566, 2.3522]; // the default dispatch reference point

const COLOURS = { waiting: '#0b5cad', offered: '#8a4b00', on_job: '#1e6b34', off: '#6b6b6b', job: '#a1142f' };

export function newMap(box, config, label, { zoomIn, zoomOut }) {
  const L = window.L;
  if (!L) { box.hidden = true; return null; }
  const map = L.map(box, { zoomControl: false, attributionControl: false, scrollWheelZoom: false });
  L.control.zoom({ zoomInTitle: zoomIn, zoomOutTitle: zoomOut }).addTo(map);
  if (config && config.tile_url) {
    L.control.attribution({ prefix: false }).addTo(map);
    L.tileLayer(config.tile_url, { attribution: config.tile_attribution || '', maxZoom: 19 }).addTo(map);
  }
  box.setAttribute('role', 'region');
  box.setAttribute('aria-label', label);
  map.setView(REF, 13);
  return map;
}

function pin(text, cls) {
  return window.L.divIcon({ className: 'pin ' + cls, iconSize: [0, 0], html: el('span', { 'data-raw': '' }, text) });
}

// Redraw the board's points: couriers [{lat, lon, kind, text}], jobs likewise.
// The view is fitted once (the first time there are points), then left
// where the dispatcher put it.
export function drawBoard(map, layer, points, fitted) {
  const L = window.L;
  if (!map) return { layer: null, fitted };
  if (layer) layer.remove();
  layer = L.layerGroup().addTo(map);
  for (const p of points) {
    L.circleMarker([p.lat, p.lon], { radius: p.kind === 'job' ? 6 : 8, weight: 2, color: '#ffffff', fillOpacity: 1,
      fillColor: COLOURS[p.kind] || '#333', interactive: false, className: 'dot dot-' + p.kind }).addTo(layer);
    L.marker([p.lat, p.lon], { icon: pin(p.text, 'pin-' + p.kind), keyboard: false, interactive: false }).addTo(layer);
  }
  if (!fitted && points.length) {
    const ll = points.map((p) => [p.lat, p.lon]);
    if (ll.length === 1) map.setView(ll[0], 14); else map.fitBounds(L.latLngBounds(ll), { padding: [30, 30], maxZoom: 15 });
    fitted = true;
  }
  return { layer, fitted };
}

// Service areas: each [{name, points: [[lat, lon]]}], the one being edited
// highlighted with its vertices numbered.
export function drawAreas(map, layer, areas, current) {
  const L = window.L;
  if (!map) return null;
  if (layer) layer.remove();
  layer = L.layerGroup().addTo(map);
  areas.forEach((a, i) => {
    const pts = a.points.filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]));
    const on = i === current;
    if (pts.length >= 3) L.polygon(pts, { color: on ? '#0b5cad' : '#555', weight: on ? 3 : 2, fillOpacity: on ? 0.15 : 0.05, interactive: false }).addTo(layer);
    else if (pts.length === 2) L.polyline(pts, { color: '#0b5cad', weight: 3, interactive: false }).addTo(layer);
    if (on) pts.forEach((p, k) => L.marker(p, { icon: pin(String(k + 1), 'pin-vertex'), keyboard: false, interactive: false }).addTo(layer));
    if (pts.length && a.name) {
      const c = pts.reduce((s, p) => [s[0] + p[0] / pts.length, s[1] + p[1] / pts.length], [0, 0]);
      L.marker(c, { icon: pin(a.name, 'pin-area'), keyboard: false, interactive: false }).addTo(layer);
    }
  });
  return layer;
}

export function fitAreas(map, areas) {
  const ll = areas.flatMap((a) => a.points).filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]));
  if (!map || !ll.length) return;
  map.fitBounds(window.L.latLngBounds(ll), { padding: [30, 30], maxZoom: 15 });
}

// Does the closed polygon cross itself? (segments that are not neighbours
// intersect). Lat/lon as planar coordinates: enough for city-sized areas.
export function selfIntersects(pts) {
  const n = pts.length;
  const orient = (a, b, c) => Math.sign((b[1] - a[1]) * (c[0] - a[0]) - (b[0] - a[0]) * (c[1] - a[1]));
  const cross = (p1, p2, q1, q2) => {
    const a = orient(p1, p2, q1), b = orient(p1, p2, q2), c = orient(q1, q2, p1), d = orient(q1, q2, p2);
    return a !== b && c !== d && a !== 0 && b !== 0 && c !== 0 && d !== 0;
  };
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (j === i + 1 || (i === 0 && j === n - 1)) continue;
      if (cross(pts[i], pts[(i + 1) % n], pts[j], pts[(j + 1) % n])) return true;
    }
  }
  return false;
}
