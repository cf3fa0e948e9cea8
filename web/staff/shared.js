// The read-only gallery behind a share link (issue 21). The token is the URL's
// fragment: the browser never sends it to a server, and this page asks the API for
// the gallery with it (GET /api/shared/{token}, logged as /api/shared/-).
import { api_call, api_error } from '../js/api.js';

const $ = (id) => document.getElementById(id);

async function start() {
  const token = location.hash.replace(/^#/, '');
  try {
    const g = await api_call('GET', `/shared/${encodeURIComponent(token)}`);
    $('shared-title').textContent = g.job.title;
    $('shared-status').textContent = `${g.photos.length} photos`;
    $('shared-gallery').replaceChildren(...g.photos.map((p, i) => {
      const a = document.createElement('a');
      a.href = p.url;
      const img = document.createElement('img');
      img.src = p.thumb_url || p.url;
      img.alt = `Photo ${i + 1}`;
      a.append(img);
      const li = document.createElement('li');
      li.append(a);
      return li;
    }));
  } catch (e) {
    $('shared-title').textContent = 'Link not available';
    $('shared-status').textContent = e instanceof api_error && e.status === 404
      ? 'This link has expired or was revoked.' : 'The photos cannot be loaded right now.';
  }
}

start();
