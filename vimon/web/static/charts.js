/* vimon charts: small SVG line/bar charts drawn from data embedded in the page, each with
   PNG and CSV download. Written for vimon; no library, no network. */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var COLORS = ["#1f5fa8", "#c0392b", "#2e8b57", "#8e44ad", "#d35400", "#7f8c8d"];

  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) { e.setAttribute(k, attrs[k]); }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function fmt(v) { return Math.abs(v) >= 1000 ? Math.round(v).toLocaleString("vi-VN") : (Math.round(v * 100) / 100).toString(); }

  function draw(fig, spec) {
    var W = 720, H = 260, L = 48, R = 12, T = 16, B = 44;
    var svg = el("svg", { viewBox: "0 0 " + W + " " + H, width: "100%", role: "img",
      "aria-label": spec.title || "biểu đồ", xmlns: NS });
    el("rect", { x: 0, y: 0, width: W, height: H, fill: "#fff" }, svg);
    var n = spec.x.length, max = 0;
    spec.series.forEach(function (s) {
      s.values.forEach(function (v) { max = Math.max(max, v || 0); });
      (s.high || []).forEach(function (v) { max = Math.max(max, v || 0); });
    });
    max = max || 1;
    var px = function (i) { return L + (n <= 1 ? 0 : i * (W - L - R) / (n - 1)); };
    var bw = (W - L - R) / Math.max(n, 1);
    var py = function (v) { return T + (H - T - B) * (1 - v / max); };
    for (var g = 0; g <= 4; g++) {
      var gv = max * g / 4, y = py(gv);
      el("line", { x1: L, x2: W - R, y1: y, y2: y, stroke: "#e3e3e3" }, svg);
      el("text", { x: L - 6, y: y + 4, "text-anchor": "end", "font-size": 11, fill: "#555" }, svg).textContent = fmt(gv);
    }
    var step = Math.max(1, Math.ceil(n / 8));
    spec.x.forEach(function (lab, i) {
      if (i % step) { return; }
      var x = spec.type === "bar" ? L + bw * (i + 0.5) : px(i);
      el("text", { x: x, y: H - B + 16, "text-anchor": "middle", "font-size": 11, fill: "#555" }, svg).textContent = lab;
    });
    spec.series.forEach(function (s, si) {
      var color = s.color || COLORS[si % COLORS.length];
      if (s.low && s.high) {
        var pts = s.high.map(function (v, i) { return px(i) + "," + py(v); })
          .concat(s.low.map(function (v, i) { return px(i) + "," + py(v); }).reverse());
        el("polygon", { points: pts.join(" "), fill: color, opacity: 0.15 }, svg);
      }
      if (spec.type === "bar") {
        var w = bw / spec.series.length;
        s.values.forEach(function (v, i) {
          var r = el("rect", { x: L + bw * i + w * si + 1, y: py(v || 0), width: Math.max(w - 2, 1),
            height: H - B - py(v || 0), fill: color }, svg);
          el("title", {}, r).textContent = spec.x[i] + ": " + fmt(v || 0);
        });
      } else {
        var d = s.values.map(function (v, i) { return v === null ? null : px(i) + "," + py(v); })
          .filter(function (p) { return p !== null; });
        el("polyline", { points: d.join(" "), fill: "none", stroke: color, "stroke-width": 2,
          "stroke-dasharray": s.dashed ? "5,4" : "none" }, svg);
      }
      (s.marks || []).forEach(function (i) {
        el("circle", { cx: px(i), cy: py(s.values[i]), r: 4, fill: "#c0392b" }, svg);
      });
      el("rect", { x: L + 8 + si * 150, y: H - 14, width: 10, height: 10, fill: color }, svg);
      el("text", { x: L + 22 + si * 150, y: H - 5, "font-size": 11, fill: "#333" }, svg).textContent = s.name;
    });
    fig.insertBefore(svg, fig.firstChild);
    return svg;
  }

  function download(name, href) {
    var a = document.createElement("a");
    a.href = href; a.download = name; document.body.appendChild(a); a.click(); a.remove();
  }

  function toCsv(spec) {
    var head = ["x"].concat(spec.series.map(function (s) { return s.name; }));
    var rows = [head];
    spec.x.forEach(function (x, i) {
      rows.push([x].concat(spec.series.map(function (s) { return s.values[i] === null ? "" : s.values[i]; })));
    });
    return "\ufeff" + rows.map(function (r) {
      return r.map(function (c) { var t = String(c); return /[",\n]/.test(t) ? '"' + t.replace(/"/g, '""') + '"' : t; }).join(",");
    }).join("\n");
  }

  function toPng(svg, name) {
    var data = new XMLSerializer().serializeToString(svg);
    var img = new Image();
    img.onload = function () {
      var c = document.createElement("canvas");
      c.width = 1440; c.height = 520;
      var ctx = c.getContext("2d");
      ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, c.width, c.height);
      ctx.drawImage(img, 0, 0, c.width, c.height);
      download(name + ".png", c.toDataURL("image/png"));
    };
    img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(data);
  }

  document.querySelectorAll("figure[data-chart]").forEach(function (fig) {
    var spec = JSON.parse(document.getElementById(fig.getAttribute("data-chart")).textContent);
    var svg = draw(fig, spec);
    var bar = document.createElement("div");
    bar.className = "chart-tools";
    var name = fig.getAttribute("data-name") || "bieu-do";
    [["PNG", function () { toPng(svg, name); }],
     ["CSV", function () { download(name + ".csv", "data:text/csv;charset=utf-8," + encodeURIComponent(toCsv(spec))); }]]
      .forEach(function (b) {
        var btn = document.createElement("button");
        btn.type = "button"; btn.textContent = "Tải " + b[0]; btn.className = "link";
        btn.setAttribute("data-download", b[0].toLowerCase());
        btn.addEventListener("click", b[1]); bar.appendChild(btn);
      });
    fig.appendChild(bar);
    fig.setAttribute("data-ready", "1");
  });
})();
