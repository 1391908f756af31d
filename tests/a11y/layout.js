// What overflows sideways or breaks letter by letter on the current page (tests/a11ykit.py).
// Returns a list of problems; empty when the page fits its viewport.
const problems = [];
const root = document.documentElement;
if (root.scrollWidth > root.clientWidth) {
  problems.push(`page scrolls sideways: ${root.scrollWidth} > ${root.clientWidth}`);
}
const label = el => el.id ? `#${el.id}` : el.tagName.toLowerCase() + (el.className ? `.${el.className}` : '');
const where = el => { const s = el.closest('section[id]'); return s ? `#${s.id} ` : ''; };
const hidden = el => {
  for (let e = el; e; e = e.parentElement) if (getComputedStyle(e).clipPath !== 'none') return true;
  return false;
};
// A table must fit its parent, every cell inside it; an intentional scroll container would
// have to be focusable and labelled, and none is wanted: the content must be visible.
for (const table of document.querySelectorAll('table')) {
  const box = table.parentElement.getBoundingClientRect();
  if (table.scrollWidth > table.parentElement.clientWidth + 1 || table.getBoundingClientRect().right > box.right + 1) {
    problems.push(`${where(table)}table wider than its container: ${Math.round(table.getBoundingClientRect().width)} > ${Math.round(box.width)}`);
  }
  for (const cell of table.querySelectorAll('th, td')) {
    if (hidden(cell)) continue;  // a header row kept only for screen readers
    const r = cell.getBoundingClientRect();
    if (r.width && (r.left < box.left - 1 || r.right > box.right + 1 || cell.scrollWidth > cell.clientWidth + 1)) {
      problems.push(`${where(table)}cell cut off: ${cell.textContent.trim().slice(0, 40)}`);
      break;
    }
  }
}
// A heading, caption, header cell or article title must not break inside its words: it takes
// no more lines than it has words (long URLs shown as link text may break anywhere).
const lines = el => {
  const range = document.createRange();
  range.selectNodeContents(el);
  const tops = new Set();
  for (const r of range.getClientRects()) if (r.width > 0) tops.add(Math.round(r.top));
  return tops.size;
};
const titled = 'h1, h2, h3, h4, caption, th, .brand, header a, nav a, td a, li a, button, label, .rp-title';
for (const el of document.querySelectorAll(titled)) {
  if (!el.getClientRects().length || hidden(el)) continue;
  const text = el.textContent.trim();
  if (!text || text.includes('://')) continue;
  const words = text.split(/[\s\-–]+/).length;  // a hyphen is a fair place to break
  const n = lines(el);
  if (n > words) problems.push(`${where(el)}${label(el)} "${text.slice(0, 40)}" breaks inside words: ${n} lines for ${words} words`);
}
return problems;
