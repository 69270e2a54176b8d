// notfound — the page served with status 404 for any path that is neither a
// page nor a file: it says so in the person's language and names the path.
import { startPage, ready } from '../shell.js';

await startPage({ catalogues: ['notfound'], auth: 'optional' });
let path = location.pathname;
try { path = decodeURIComponent(path); } catch { /* a malformed escape: show it as typed */ }
document.getElementById('notfound-path').textContent = path;
ready();
