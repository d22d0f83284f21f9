// A column header says what the column is beyond its name: a plain column's
// type as a short mark ("#", "Aa", a calendar, "☑") named for screen readers
// ("Number column"); a formula column is marked ƒ (app.css, with "Formula"
// for screen readers) and its title gives the formula ("Formula column:
// =[Price] * [Qty]"), read on hover and as the header's description.
import { headerTitle, typeLabel } from './columninfo.js';

const SVG = 'http://www.w3.org/2000/svg';

/** Handsontable's afterGetColHeader for the grid adapter `grid` (grid.js). */
export function decorateHeader(grid, col, TH) {
  if (col < 0) return;
  const column = grid.store.column(grid.colIds[col]);
  const title = headerTitle(column);
  TH.classList.toggle('col-formula', !!title);
  if (title) TH.title = title;
  else TH.removeAttribute('title');
  showType(TH, typeLabel(column), column ? column.type : '');
}

/** A double click on a header renames its column (editors). */
export function headerDoubleClick(grid, event) {
  if (!grid.editable || !grid.hot) return;
  const th = event.target.closest && event.target.closest('thead th');
  if (!th || !grid.container.contains(th)) return;
  const coords = grid.hot.getCoords(th);
  if (coords && coords.col >= 0 && grid.colIds[coords.col]) grid.on.editColumn(grid.colIds[coords.col], 'name');
}

/** The type mark before the header's name (Handsontable reuses a header cell for another column: kept in step). */
function showType(TH, label, type) {
  const name = TH.querySelector('.colHeader');
  if (!name) return;
  let mark = TH.querySelector('.col-type');
  if (!label) { if (mark) mark.remove(); return; }
  if (mark && mark.dataset.type === type) return;
  if (mark) mark.remove();
  const doc = TH.ownerDocument;
  mark = doc.createElement('span');
  mark.className = 'col-type';
  mark.dataset.type = type;
  mark.setAttribute('role', 'img');
  mark.setAttribute('aria-label', label.name);
  mark.title = label.name;
  if (label.mark) mark.textContent = label.mark;
  else mark.append(calendar(doc));
  name.before(mark);
}

/** A small calendar drawn in the text's colour (no emoji font needed). */
function calendar(doc) {
  const svg = doc.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const parts = [
    ['rect', { x: 2, y: 3.5, width: 12, height: 10.5, rx: 1.5 }],
    ['path', { d: 'M2 7h12M5 2v3M11 2v3' }],
  ];
  for (const [tag, attrs] of parts) {
    const el = doc.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    svg.append(el);
  }
  return svg;
}
