// courier-map — the pickup and drop-off of a job on a Leaflet map (window.L,
// loaded by the page from /vendor/leaflet). Without a tile URL (the default)
// the map is points and a line on a plain background. The points carry
// visible text labels (not just colours), and the page lists the same places
// as text next to the map, since a map alone is not accessible.
import { el, t } from '../shell.js';

const maps = new Set();

// Remove every map drawn so far (before their containers are replaced).
export function clearMaps() {
  for (const m of maps) { try { m.remove(); } catch { /* already gone */ } }
  maps.clear();
}

function label(text, cls) {
  return window.L.divIcon({ className: 'pin ' + cls, iconSize: [0, 0], html: el('span', {}, text) });
}

// Draw into `box` (an element already in the document): points is a list of
// {lat, lon, kind: 'you'|'pickup'|'dropoff', text}. Returns the map or null.
export function drawMap(box, points, config) {
  const L = window.L;
  if (!L || !points.length) { box.hidden = true; return null; }
  const map = L.map(box, { zoomControl: false, attributionControl: false, scrollWheelZoom: false });
  L.control.zoom({ zoomInTitle: t('courier.map.zoom_in'), zoomOutTitle: t('courier.map.zoom_out') }).addTo(map);
  if (config && config.tile_url) {
    L.control.attribution({ prefix: false }).addTo(map);
    L.tileLayer(config.tile_url, { attribution: config.tile_attribution || '', maxZoom: 19 }).addTo(map);
  }
  const ll = points.map((p) => [p.lat, p.lon]);
  L.polyline(ll, { color: '#16324f', weight: 3, opacity: 0.7, dashArray: '6 6', interactive: false }).addTo(map);
  for (const p of points) {
    L.circleMarker([p.lat, p.lon], { radius: 7, weight: 2, color: '#ffffff', fillOpacity: 1, interactive: false,
      className: 'dot dot-' + p.kind, fillColor: p.kind === 'pickup' ? '#8a4b00' : p.kind === 'dropoff' ? '#1e6b34' : '#0b5cad' })
      .addTo(map);
    L.marker([p.lat, p.lon], { icon: label(p.text, 'pin-' + p.kind), keyboard: false, interactive: false }).addTo(map);
  }
  if (ll.length === 1) map.setView(ll[0], 15);
  else map.fitBounds(L.latLngBounds(ll), { padding: [40, 40], maxZoom: 16 });
  // the container itself is focusable for keyboard panning: give it a name
  box.setAttribute('aria-label', t('courier.map.label'));
  box.setAttribute('role', 'region');
  maps.add(map);
  return map;
}
