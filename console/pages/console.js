// @ts-check
/* global document, window, fetch, setTimeout, FormData, URLSearchParams */
// The console's only script: refreshes the live part of a page, opens a grid cell's details, posts actions.

/** @param {string} message @param {boolean} [bad] @param {string} [from] what said it: `action` or `page` */
function flash(message, bad, from = 'page') {
  const el = /** @type {HTMLElement} */ (document.getElementById('flash'));
  el.textContent = message;
  el.className = bad ? 'bad' : 'ok';
  el.dataset.from = from;
}

/** @param {string} url */
async function fetchText(url) {
  const res = await fetch(url, { headers: { accept: 'text/html' } });
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  return res.text();
}

/** Replaces the live part of the page with a fresh copy every few seconds. */
function refreshLoop() {
  const main = /** @type {HTMLElement | null} */ (document.querySelector('main[data-refresh]'));
  if (!main) return;
  const url = /** @type {string} */ (main.dataset.refresh);
  const every = Number(main.dataset.every ?? '3') * 1000;
  const tick = async () => {
    // A form being filled in must not be replaced under the typing hands.
    if (!main.contains(document.activeElement) || document.activeElement === document.body) {
      try {
        main.innerHTML = await fetchText(url);
        main.dataset.refreshed = String(Date.now());
      } catch (err) {
        flash(`refresh failed: ${String(err)}`, true);
      }
    }
    setTimeout(() => void tick(), every);
  };
  setTimeout(() => void tick(), every);
}

/** @param {HTMLElement} cell */
async function openCell(cell) {
  const details = /** @type {HTMLElement} */ (document.getElementById('details'));
  const q = new URLSearchParams({ interval: cell.dataset.interval ?? '', node: cell.dataset.node ?? '' });
  details.hidden = false;
  details.innerHTML = '<p class="muted">loading…</p>';
  details.dataset.shows = q.toString();
  try {
    details.innerHTML = await fetchText(`/cell?${q.toString()}`);
  } catch (err) {
    details.innerHTML = '';
    flash(String(err), true);
  }
}

/** @param {HTMLFormElement} form */
async function submitAction(form) {
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
  /** @type {Record<string, unknown>} */
  const body = {};
  for (const [k, v] of new FormData(form)) body[k] = typeof v === 'string' ? v : '';
  for (const box of form.querySelectorAll('input[type=checkbox]')) {
    const b = /** @type {HTMLInputElement} */ (box);
    body[b.name] = b.checked;
  }
  const res = await fetch(/** @type {string} */ (form.dataset.action), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment -- the action API's JSON, typed by the cast
  const out = /** @type {{ message?: string; error?: string }} */ (await res.json());
  flash(out.message ?? out.error ?? String(res.status), !res.ok, 'action');
}

document.addEventListener('click', (event) => {
  const target = /** @type {HTMLElement} */ (event.target);
  if (target.closest('[data-close]')) {
    const details = /** @type {HTMLElement} */ (document.getElementById('details'));
    details.hidden = true;
    return;
  }
  const cell = /** @type {HTMLElement | null} */ (target.closest('[data-cell]'));
  if (cell) void openCell(cell);
});

document.addEventListener('submit', (event) => {
  const form = /** @type {HTMLFormElement} */ (event.target);
  if (!form.dataset.action) return;
  event.preventDefault();
  submitAction(form).catch((err) => flash(String(err), true, 'action'));
});

document.addEventListener('change', (event) => {
  const select = /** @type {HTMLSelectElement} */ (event.target);
  if (select.matches('select[data-autosubmit]')) select.form?.submit();
});

refreshLoop();
