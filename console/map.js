/*
 * The map of Nykvarn as SVG, drawn from the reference data alone (GET
 * /v1/map): each area is the cell of the land nearer its centre than any
 * other (a Voronoi cell, cut to the map's frame), each trygghetspunkt a
 * marked dot. No tiles, nothing from outside: it works on a closed
 * network. A person draws a circle (click the centre, click again where
 * it ends) or a polygon (click the corners, close on the first) over it.
 * Every value shown is set as text or an attribute, never as markup.
 */
'use strict';

window.VarselMap = (function () {
  const SVGNS = 'http://www.w3.org/2000/svg';
  const M_PER_DEG = 111320;

  function el(name, attrs) {
    const e = document.createElementNS(SVGNS, name);
    for (const k in attrs) e.setAttribute(k, String(attrs[k]));
    return e;
  }

  /* Half-plane clip of a convex polygon: keep where a*x + b*y <= c. */
  function clip(poly, a, b, c) {
    const out = [];
    for (let i = 0; i < poly.length; i++) {
      const p = poly[i], q = poly[(i + 1) % poly.length];
      const fp = a * p[0] + b * p[1] - c, fq = a * q[0] + b * q[1] - c;
      if (fp <= 0) out.push(p);
      if ((fp < 0 && fq > 0) || (fp > 0 && fq < 0)) {
        const t = fp / (fp - fq);
        out.push([p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])]);
      }
    }
    return out;
  }

  /* The cell of site i among sites, inside the frame box. */
  function cell(sites, i, box) {
    let poly = [[box.x0, box.y0], [box.x1, box.y0], [box.x1, box.y1],
      [box.x0, box.y1]];
    const s = sites[i];
    for (let j = 0; j < sites.length && poly.length > 0; j++) {
      if (j === i) continue;
      const o = sites[j];
      if (o[0] === s[0] && o[1] === s[1]) continue;
      /* Nearer s than o: 2(o-s)·p <= |o|^2 - |s|^2 */
      poly = clip(poly, 2 * (o[0] - s[0]), 2 * (o[1] - s[1]),
        o[0] * o[0] + o[1] * o[1] - s[0] * s[0] - s[1] * s[1]);
    }
    return poly;
  }

  function distance(a, b) {
    return Math.hypot(a[0] - b[0], a[1] - b[1]);
  }

  /*
   * Draw into holder. data: {areas, points}; opts.t: the texts;
   * opts.onChange(shape): {circle} or {polygon} or null, on every change.
   */
  function create(holder, data, opts) {
    const t = opts.t;
    const all = data.areas.concat(data.points);
    if (all.length === 0) {
      holder.textContent = '';
      return null;
    }
    const lat0 = all.reduce((s, p) => s + p.lat, 0) / all.length;
    const lon0 = all.reduce((s, p) => s + p.lon, 0) / all.length;
    const kx = M_PER_DEG * Math.cos(lat0 * Math.PI / 180);
    const proj = (lat, lon) => [(lon - lon0) * kx, -(lat - lat0) * M_PER_DEG];
    const unproj = (x, y) => [lat0 - y / M_PER_DEG, lon0 + x / kx];

    const xs = all.map(p => proj(p.lat, p.lon));
    const margin = 1200;
    const box = {
      x0: Math.min(...xs.map(p => p[0])) - margin,
      x1: Math.max(...xs.map(p => p[0])) + margin,
      y0: Math.min(...xs.map(p => p[1])) - margin,
      y1: Math.max(...xs.map(p => p[1])) + margin
    };
    const full = { x: box.x0, y: box.y0, w: box.x1 - box.x0, h: box.y1 - box.y0 };
    /*
     * Open on the town, where most trygghetspunkter are (their median:
     * a far-off one does not pull the view away), 3.5 km across.
     */
    const pts = data.points.map(p => proj(p.lat, p.lon));
    const median = v => v.slice().sort((a, b) => a - b)[Math.floor(v.length / 2)];
    let view = { x: full.x, y: full.y, w: full.w, h: full.h };
    if (pts.length > 0) {
      const cx = median(pts.map(p => p[0])), cy = median(pts.map(p => p[1]));
      const w = Math.min(full.w, 3500), h = w * 0.62;
      view = { x: cx - w / 2, y: cy - h / 2, w: w, h: h };
    }

    const svg = el('svg', {
      role: 'img', 'aria-label': t('compose.map.label'),
      class: 'map-svg', preserveAspectRatio: 'xMidYMid meet'
    });
    const gAreas = el('g', { class: 'map-areas' });
    const gShape = el('g', { class: 'map-shape' });
    const gPoints = el('g', { class: 'map-points' });
    svg.append(gAreas, gShape, gPoints);

    const sites = data.areas.map(a => proj(a.lat, a.lon));
    data.areas.forEach((a, i) => {
      const poly = cell(sites, i, box);
      if (poly.length < 3) return;
      const path = el('polygon', {
        points: poly.map(p => p[0].toFixed(0) + ',' + p[1].toFixed(0)).join(' '),
        class: 'map-area'
      });
      const title = el('title', {});
      title.textContent = a.name + ' (' + a.code + ')';
      path.append(title);
      gAreas.append(path);
    });
    const labels = el('g', { class: 'map-labels' });
    data.areas.forEach((a, i) => {
      if (a.code !== a.code.replace(/[^0-9]/g, '')) return; /* an alias */
      const tx = el('text', { x: sites[i][0], y: sites[i][1], class: 'map-area-label',
        'data-x': sites[i][0], 'data-y': sites[i][1] });
      tx.textContent = a.name;
      labels.append(tx);
    });
    gAreas.append(labels);
    data.points.forEach(p => {
      const xy = proj(p.lat, p.lon);
      const g = el('g', { class: 'map-point', 'data-point': p.id });
      const dot = el('circle', { cx: xy[0], cy: xy[1], r: 40, class: 'map-point-dot' });
      const title = el('title', {});
      title.textContent = p.name + ', ' + p.address;
      dot.append(title);
      const tx = el('text', { x: xy[0] + 60, y: xy[1] - 50, class: 'map-point-label' });
      tx.textContent = p.name;
      g.append(dot, tx);
      gPoints.append(g);
    });

    let mode = 'circle';
    let shape = null;       /* {circle:{lat,lon,radius_m}} | {polygon:[[lat,lon]]} */
    let pending = null;     /* circle centre [x,y], or polygon corners */

    /* Metres per screen pixel at the current view. */
    function perPixel() {
      const w = svg.getBoundingClientRect().width || 600;
      return Math.max(view.w / w, view.h / (svg.getBoundingClientRect().height || 400));
    }

    /* Labels where they do not cover one another (else only the title). */
    function placeLabels(k) {
      const taken = [];
      const fits = (x, y, w, h) => taken.every(r => x + w < r.x || r.x + r.w < x || y + h < r.y || r.y + r.h < y);
      const place = (tx, x, y, size, tries) => {
        tx.setAttribute('font-size', (size * k).toFixed(0));
        const w = tx.textContent.length * size * 0.62 * k, hh = size * 1.2 * k;
        for (const [dx, dy, anchor] of tries) {
          const left = anchor === 'end' ? x + dx - w : anchor === 'middle' ? x + dx - w / 2 : x + dx;
          if (fits(left, y + dy - hh, w, hh)) {
            tx.setAttribute('x', (x + dx).toFixed(0));
            tx.setAttribute('y', (y + dy).toFixed(0));
            tx.setAttribute('text-anchor', anchor);
            tx.removeAttribute('visibility');
            taken.push({ x: left, y: y + dy - hh, w: w, h: hh });
            return;
          }
        }
        tx.setAttribute('visibility', 'hidden');
      };
      gPoints.querySelectorAll('.map-point').forEach(g => {
        const d = g.querySelector('circle');
        const x = Number(d.getAttribute('cx')), y = Number(d.getAttribute('cy'));
        d.setAttribute('r', (8 * k).toFixed(0));
        taken.push({ x: x - 8 * k, y: y - 8 * k, w: 16 * k, h: 16 * k });
      });
      gPoints.querySelectorAll('.map-point').forEach(g => {
        const d = g.querySelector('circle'), tx = g.querySelector('text');
        const x = Number(d.getAttribute('cx')), y = Number(d.getAttribute('cy'));
        place(tx, x, y, 14, [[11 * k, 5 * k, 'start'], [-11 * k, 5 * k, 'end'],
          [0, -12 * k, 'middle'], [0, 22 * k, 'middle']]);
      });
      labels.querySelectorAll('text').forEach((tx, i) => {
        const x = Number(tx.dataset.x), y = Number(tx.dataset.y);
        place(tx, x, y, 13, [[0, 0, 'middle'], [0, 18 * k, 'middle'], [0, -18 * k, 'middle']]);
      });
    }

    function setView() {
      svg.setAttribute('viewBox', [view.x, view.y, view.w, view.h]
        .map(v => v.toFixed(0)).join(' '));
      const k = perPixel();
      svg.style.setProperty('--k', String(k));
      placeLabels(k);
      redraw();
    }

    function zoom(f, cx, cy) {
      const nw = Math.max(600, Math.min(full.w * 1.2, view.w * f));
      const nh = nw * view.h / view.w;
      if (cx === undefined) { cx = view.x + view.w / 2; cy = view.y + view.h / 2; }
      view = { x: cx - (cx - view.x) * nw / view.w, y: cy - (cy - view.y) * nh / view.h, w: nw, h: nh };
      setView();
    }

    function redraw() {
      while (gShape.firstChild) gShape.removeChild(gShape.firstChild);
      const k = perPixel();
      if (shape && shape.circle) {
        const c = proj(shape.circle.lat, shape.circle.lon);
        gShape.append(el('circle', { cx: c[0], cy: c[1], r: shape.circle.radius_m, class: 'map-drawn' }));
        gShape.append(el('circle', { cx: c[0], cy: c[1], r: 4 * k, class: 'map-handle' }));
      } else if (shape && shape.polygon) {
        const p = shape.polygon.map(v => proj(v[0], v[1]));
        gShape.append(el('polygon', { points: p.map(v => v.join(',')).join(' '), class: 'map-drawn' }));
      }
      if (pending && mode === 'circle') {
        gShape.append(el('circle', { cx: pending[0], cy: pending[1], r: 5 * k, class: 'map-handle' }));
      } else if (pending && mode === 'polygon' && pending.length > 0) {
        gShape.append(el('polyline', { points: pending.map(v => v.join(',')).join(' '), class: 'map-drawing' }));
        pending.forEach(v => gShape.append(el('circle', { cx: v[0], cy: v[1], r: 5 * k, class: 'map-handle' })));
      }
    }

    function changed() {
      redraw();
      opts.onChange(shape);
    }

    function svgPoint(ev) {
      const pt = svg.createSVGPoint();
      pt.x = ev.clientX;
      pt.y = ev.clientY;
      const p = pt.matrixTransform(svg.getScreenCTM().inverse());
      return [p.x, p.y];
    }

    svg.addEventListener('click', ev => {
      const p = svgPoint(ev);
      if (mode === 'circle') {
        if (!pending) {
          /* A click on a trygghetspunkt centres on it exactly. */
          const hit = ev.target.closest && ev.target.closest('[data-point]');
          if (hit) {
            const tp = data.points.find(q => q.id === hit.getAttribute('data-point'));
            if (tp) pending = proj(tp.lat, tp.lon);
          }
          if (!pending) pending = p;
          shape = null;
          changed();
          opts.onHint(t('compose.map.circle.centre'));
        } else {
          const r = Math.max(50, Math.round(distance(pending, p) / 10) * 10);
          const ll = unproj(pending[0], pending[1]);
          shape = { circle: { lat: +ll[0].toFixed(5), lon: +ll[1].toFixed(5), radius_m: r } };
          pending = null;
          changed();
          opts.onHint(t('compose.map.circle.help'));
        }
      } else if (mode === 'polygon') {
        pending = pending || [];
        if (pending.length >= 3 && distance(pending[0], p) < 12 * perPixel()) {
          finishPolygon();
          return;
        }
        pending.push(p);
        shape = null;
        changed();
      }
    });
    svg.addEventListener('wheel', ev => {
      ev.preventDefault();
      const p = svgPoint(ev);
      zoom(ev.deltaY > 0 ? 1.25 : 0.8, p[0], p[1]);
    }, { passive: false });

    function finishPolygon() {
      if (!pending || pending.length < 3) return;
      shape = { polygon: pending.map(v => {
        const ll = unproj(v[0], v[1]);
        return [+ll[0].toFixed(5), +ll[1].toFixed(5)];
      }) };
      pending = null;
      changed();
    }

    holder.textContent = '';
    holder.append(svg);
    setView();
    /* Sizes follow the drawing's size on screen (a phone turned, say). */
    if (window.ResizeObserver) new ResizeObserver(() => setView()).observe(svg);

    return {
      setMode(m) { mode = m; pending = null; redraw(); },
      clear() { shape = null; pending = null; changed(); },
      finishPolygon: finishPolygon,
      zoomIn() { zoom(0.7); },
      zoomOut() { zoom(1.4); },
      /* Set the circle from the inputs (keyboard users). */
      setCircle(lat, lon, r) {
        if (!isFinite(lat) || !isFinite(lon) || !(r > 0)) return;
        shape = { circle: { lat: lat, lon: lon, radius_m: Math.round(r) } };
        pending = null;
        changed();
      },
      shape() { return shape; },
      nearestPoint(lat, lon) {
        let best = null, bd = Infinity;
        const c = proj(lat, lon);
        data.points.forEach(p => {
          const d = distance(c, proj(p.lat, p.lon));
          if (d < bd) { bd = d; best = p; }
        });
        return bd < 400 ? best : null;
      }
    };
  }

  return { create: create };
})();
