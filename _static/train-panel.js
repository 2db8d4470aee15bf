/* Chapter 8's training panel: train article 000's small network in the
 * reader's browser with TensorFlow.js, then hand it to the draw-a-digit box.
 *
 * <div class="cnn-train-panel"></div> on a page that also loads
 * ../_static/vendor/tf.min.js (TensorFlow.js 4.22.0, copied from npm at build
 * time by `npm ci && npm run vendor`) and ../_static/webmodel/digits.js (the
 * offline MNIST sample, written by `python -m cnnlib web-weights
 * _static/webmodel`). Both are <script> files, so the page works from file://.
 *
 * The network and recipe mirror cnnlib: build_model(arch, init="he") (He
 * truncated-normal kernels, zero biases), pixels scaled by 1/255, softmax
 * cross-entropy on the logits, Adam as Keras computes it (beta1 0.9, beta2
 * 0.999, epsilon 1e-7).
 * tests/web/test_tfjs.py trains this code under Node and Keras from the same
 * weights on the same batches and compares the losses step by step.
 *
 * When training ends the trained weights go to the draw-a-digit box: the
 * panel dispatches a "cnn-book:network" event on window whose detail is the
 * network in cnnBook.parseNet's form ({scale, info, conv1: {k, shape, b}, ...})
 * and keeps it as cnnTrainPanel.trained. The pure parts load in Node
 * (module.exports) with a tf passed in.
 */
(function (root) {
  "use strict";

  // As cnnlib.models.architectures.SPECS.
  var SPECS = {
    small: {filters: [6, 16], kernel: 5, hidden: 128, reluBeforePool: false,
            label: "small (6/16 filters, 128 hidden)"},
    large: {filters: [32, 64], kernel: 5, hidden: 1000, reluBeforePool: true,
            label: "large (32/64 filters, 1000 hidden; slow)"}
  };
  var LAYERS = ["conv1", "conv2", "dense1", "logits"];
  var PIXEL_SCALE = 1 / 255;  // cnnlib.data.mnist.PIXEL_SCALE
  var ADAM = {beta1: 0.9, beta2: 0.999, epsilon: 1e-7};  // Keras' Adam defaults

  function spec(arch) {
    if (!SPECS[arch]) throw new Error("arch must be one of " + Object.keys(SPECS).join(", ") + ", got " + arch);
    return SPECS[arch];
  }

  /* Kernel shapes of the network, Keras layouts (kh, kw, cin, cout) and (in, units). */
  function shapes(arch) {
    var s = spec(arch), k = s.kernel;
    return {
      conv1: [k, k, 1, s.filters[0]],
      conv2: [k, k, s.filters[0], s.filters[1]],
      dense1: [7 * 7 * s.filters[1], s.hidden],
      logits: [s.hidden, 10]
    };
  }

  /* Fresh weights as Keras' HeNormal (truncated normal of stddev
   * sqrt(2 / fan_in), corrected for the truncation at 2 stddev) and zero biases. */
  function initialArrays(tf, arch, seed) {
    var sh = shapes(arch), out = {};
    LAYERS.forEach(function (name, i) {
      var shape = sh[name], fanIn = shape.slice(0, -1).reduce(function (a, b) { return a * b; }, 1);
      var std = Math.sqrt(2 / fanIn) / 0.87962566103423978;
      var k = tf.tidy(function () { return tf.truncatedNormal(shape, 0, std, "float32", seed + i + 1); });
      out[name] = {k: k.dataSync().slice(), shape: shape, b: new Float32Array(shape[shape.length - 1])};
      k.dispose();
    });
    return out;
  }

  /* A tf.Variable holding tensor t, which is then released (the variable keeps
   * its data), so nothing is left behind when the variable is disposed. */
  function variableOf(tf, t, trainable) {
    var v = tf.variable(t, trainable);
    t.dispose();
    return v;
  }

  /* tf.Variables from arrays {name: {k, shape, b}} (cnnBook.parseNet's form). */
  function variables(tf, arrays) {
    var vars = {};
    LAYERS.forEach(function (name) {
      var a = arrays[name];
      vars[name] = {k: variableOf(tf, tf.tensor(a.k, a.shape, "float32"), true),
                    b: variableOf(tf, tf.tensor1d(a.b, "float32"), true)};
    });
    return vars;
  }

  function disposeVariables(vars) {
    LAYERS.forEach(function (name) { vars[name].k.dispose(); vars[name].b.dispose(); });
  }

  /* Logits (N, 10) of raw pixels x (N, 28, 28, 1), 0..255, as build_model. */
  function logits(tf, arch, vars, x) {
    var s = spec(arch);
    return tf.tidy(function () {
      var h = tf.mul(x, tf.scalar(PIXEL_SCALE, "float32"));  // Keras Rescaling
      ["conv1", "conv2"].forEach(function (name) {
        h = tf.add(tf.conv2d(h, vars[name].k, 1, "same"), vars[name].b);
        h = s.reluBeforePool ? tf.maxPool(tf.relu(h), 2, 2, "same") : tf.relu(tf.maxPool(h, 2, 2, "same"));
      });
      h = tf.reshape(h, [-1, 7 * 7 * s.filters[1]]);  // NHWC order, as Keras' Flatten
      h = tf.relu(tf.add(tf.matMul(h, vars.dense1.k), vars.dense1.b));
      return tf.add(tf.matMul(h, vars.logits.k), vars.logits.b);
    });
  }

  /* Mean softmax cross-entropy of logits against integer labels (a 1-D int32
   * tensor), as SparseCategoricalCrossentropy(from_logits=True). */
  function loss(tf, z, labels) {
    return tf.tidy(function () {
      var logp = tf.logSoftmax(z);
      var picked = tf.sum(tf.mul(logp, tf.oneHot(labels, 10)), 1);
      return tf.neg(tf.mean(picked));
    });
  }

  function variableList(vars) {
    var list = [];
    LAYERS.forEach(function (name) { list.push(vars[name].k, vars[name].b); });
    return list;
  }

  /* Adam as Keras 3 computes it (tf.train.adam adds epsilon after the bias
   * correction, Keras before it, which changes the first steps of weights with
   * small gradients): m += (g - m)(1 - beta1); v += (g^2 - v)(1 - beta2);
   * w -= m * lr sqrt(1 - beta2^t) / (1 - beta1^t) / (sqrt(v) + epsilon). */
  function adam(tf, lr, vars) {
    var list = variableList(vars), t = 0;
    var m = list.map(function (w) { return variableOf(tf, tf.zerosLike(w), false); });
    var v = list.map(function (w) { return variableOf(tf, tf.zerosLike(w), false); });
    var f = Math.fround;
    return {
      list: list,
      apply: function (grads) {
        t += 1;
        var p1 = f(Math.pow(f(ADAM.beta1), t)), p2 = f(Math.pow(f(ADAM.beta2), t));
        var alpha = f(f(f(lr) * f(Math.sqrt(f(1 - p2)))) / f(1 - p1));
        tf.tidy(function () {
          list.forEach(function (w, i) {
            var g = grads[w.name];
            m[i].assign(tf.add(m[i], tf.mul(tf.sub(g, m[i]), 1 - ADAM.beta1)));
            v[i].assign(tf.add(v[i], tf.mul(tf.sub(tf.square(g), v[i]), 1 - ADAM.beta2)));
            w.assign(tf.sub(w, tf.div(tf.mul(m[i], alpha), tf.add(tf.sqrt(v[i]), ADAM.epsilon))));
          });
        });
      },
      dispose: function () { m.concat(v).forEach(function (x) { x.dispose(); }); }
    };
  }

  /* One training step on a batch; returns the batch's loss before the update
   * (a scalar tensor, as Keras' train_on_batch reports it). */
  function trainStep(tf, arch, vars, optimizer, x, labels) {
    var res = tf.variableGrads(function () { return loss(tf, logits(tf, arch, vars, x), labels); }, optimizer.list);
    optimizer.apply(res.grads);
    Object.keys(res.grads).forEach(function (k) { res.grads[k].dispose(); });
    return res.value;
  }

  /* A batch of digits [start, start + n) of pixels (Uint8Array N*784) as tensors. */
  function batch(tf, pixels, labels, start, n) {
    return {
      x: tf.tensor4d(Float32Array.from(pixels.subarray(784 * start, 784 * (start + n))), [n, 28, 28, 1], "float32"),
      y: tf.tensor1d(Int32Array.from(labels.subarray(start, start + n)), "int32")
    };
  }

  /* Accuracy of the network on digits [0, n), in chunks of 100, read back
   * asynchronously and yielding a frame between chunks so the page stays
   * responsive (a synchronous pass over 500 digits held the page ~3 s). */
  async function accuracy(tf, arch, vars, pixels, labels, n) {
    var right = 0;
    for (var s = 0; s < n; s += 100) {
      var m = Math.min(100, n - s), b = batch(tf, pixels, labels, s, m);
      var pred = tf.tidy(function () { return tf.argMax(logits(tf, arch, vars, b.x), 1); });
      b.x.dispose(); b.y.dispose();
      var p = await pred.data();
      pred.dispose();
      for (var i = 0; i < m; i++) if (p[i] === labels[s + i]) right++;
      await tf.nextFrame();
    }
    return right / n;
  }

  /* Weights out of the variables, in cnnBook.parseNet's form. */
  function toNet(vars, info) {
    var net = {scale: PIXEL_SCALE, info: info || {}};
    LAYERS.forEach(function (name) {
      net[name] = {k: vars[name].k.dataSync().slice(), shape: vars[name].k.shape.slice(), b: vars[name].b.dataSync().slice()};
    });
    return net;
  }

  function fromBase64(b64) {
    var bin = typeof atob === "function" ? atob(b64) : Buffer.from(b64, "base64").toString("binary");
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes;
  }

  /* digits.js's document -> Promise of {trainX, trainY, testX, testY, source}
   * (Uint8Arrays). The pixels are zlib-deflated: the browser's DecompressionStream
   * inflates them. */
  function decodeDigits(doc) {
    if (!doc || doc.format !== "cnnlib-webdigits-1") {
      return Promise.reject(new Error("unknown digits format " + (doc && doc.format)));
    }
    if (typeof DecompressionStream === "undefined") {
      return Promise.reject(new Error("this browser cannot inflate the shipped digits (no DecompressionStream); " +
        "a recent Chrome, Edge, Firefox or Safari can"));
    }
    var stream = new Blob([fromBase64(doc.pixels)]).stream().pipeThrough(new DecompressionStream("deflate"));
    return new Response(stream).arrayBuffer().then(function (buf) {
      var x = new Uint8Array(buf), y = fromBase64(doc.labels), nt = doc.train_count, ns = doc.test_count;
      if (x.length !== 784 * (nt + ns) || y.length !== nt + ns) {
        throw new Error("the shipped digits hold " + x.length + " pixels and " + y.length + " labels, expected " +
          (784 * (nt + ns)) + " and " + (nt + ns));
      }
      return {trainX: x.subarray(0, 784 * nt), trainY: y.subarray(0, nt),
              testX: x.subarray(784 * nt), testY: y.subarray(nt), source: doc.source};
    });
  }

  /* Shuffle 0..n-1 with a seeded generator (mulberry32), so a run can be repeated. */
  function permutation(n, seed) {
    var a = seed >>> 0, idx = [];
    function rand() {
      a = (a + 0x6D2B79F5) >>> 0;
      var t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    }
    for (var i = 0; i < n; i++) idx.push(i);
    for (var j = n - 1; j > 0; j--) { var k = Math.floor(rand() * (j + 1)), t = idx[j]; idx[j] = idx[k]; idx[k] = t; }
    return idx;
  }

  function gather(pixels, labels, order) {
    var x = new Uint8Array(784 * order.length), y = new Uint8Array(order.length);
    order.forEach(function (src, i) { x.set(pixels.subarray(784 * src, 784 * src + 784), 784 * i); y[i] = labels[src]; });
    return {x: x, y: y};
  }

  var api = {SPECS: SPECS, LAYERS: LAYERS, ADAM: ADAM, shapes: shapes, initialArrays: initialArrays,
             variables: variables, disposeVariables: disposeVariables, logits: logits, loss: loss,
             adam: adam, trainStep: trainStep, batch: batch, accuracy: accuracy, toNet: toNet,
             decodeDigits: decodeDigits, permutation: permutation, gather: gather};

  if (typeof module !== "undefined" && module.exports) { module.exports = api; return; }
  if (root.cnnTrainPanel) return;  // loaded twice (Jupyter Book also lists _static/*.js in every head)
  root.cnnTrainPanel = api;
  // ------------------------------------------------------------------
  // The panel on the page
  // ------------------------------------------------------------------
  var BUILD_HINT = "; build the book after `npm ci && npm run vendor` and `python -m cnnlib web-weights _static/webmodel`";

  /* The book's one DOM helper, cnnBook.el (_static/cnn-book.js, which every
     page's head loads before this file). */
  function el(tag, attrs, children) { return root.cnnBook.el(tag, attrs, children); }

  function select(name, options, value) {
    var s = el("select", {name: name, "aria-label": name});
    options.forEach(function (o) {
      var opt = el("option", {value: String(o[0]), text: o[1]});
      if (String(o[0]) === String(value)) opt.selected = true;
      s.appendChild(opt);
    });
    return s;
  }

  function now() { return (root.performance || Date).now(); }

  /* Time a few training steps of a throwaway network on each backend that
   * starts (WebGL needs a GPU; the CPU backend always works) and keep the
   * fastest. Returns {name, perStep: {backend: ms}} (per step of batchSize).
   * The CPU backend computes on the page's own thread, so it is timed on
   * batches of PROBE_BATCH (its time per step grows with the batch) and a
   * frame is yielded between steps: the page stays usable while it measures. */
  var PROBE_BATCH = 10;
  async function pickBackend(tf, data, batchSize) {
    var candidates = ["webgl", "cpu"].filter(function (b) { return tf.findBackendFactory(b); });
    var perStep = {}, best = null;
    for (var c = 0; c < candidates.length; c++) {
      var name = candidates[c];
      try {
        if (!(await tf.setBackend(name))) continue;
      } catch (e) { continue; /* this backend cannot start here */ }
      var n = name === "cpu" ? Math.min(PROBE_BATCH, batchSize) : batchSize;
      var vars = variables(tf, initialArrays(tf, "small", 7)), opt = adam(tf, 1e-3, vars);
      var b = batch(tf, data.trainX, data.trainY, 0, n), t0 = 0;
      try {
        for (var i = 0; i < 4; i++) {
          await tf.nextFrame();
          if (i === 1) t0 = now();  // the first step compiles (WebGL) and warms up
          var l = trainStep(tf, "small", vars, opt, b.x, b.y);
          await l.data();
          l.dispose();
        }
        perStep[name] = (now() - t0) / 3 * batchSize / n;
        if (best === null || perStep[name] < perStep[best]) best = name;
      } catch (e) { /* this backend cannot train here */ }
      b.x.dispose(); b.y.dispose(); opt.dispose(); disposeVariables(vars);
    }
    if (best === null) throw new Error("no TensorFlow.js backend started (tried " + candidates.join(", ") + ")");
    await tf.setBackend(best);
    return {name: best, perStep: perStep};
  }

  function drawCurves(canvas, history, totalSteps) {
    var ctx = canvas.getContext("2d"), w = canvas.width, h = canvas.height, padL = 44, padR = 44, padB = 26, padT = 10;
    var dark = document.documentElement.getAttribute("data-theme") === "dark";
    var ink = dark ? "#ddd" : "#222";
    ctx.clearRect(0, 0, w, h);
    ctx.font = "13px sans-serif";
    ctx.strokeStyle = ink; ctx.fillStyle = ink; ctx.lineWidth = 1;
    ctx.strokeRect(padL, padT, w - padL - padR, h - padT - padB);
    var maxLoss = Math.max(2.5, Math.max.apply(null, history.loss.map(function (p) { return p[1]; }).concat([0])));
    function X(step) { return padL + (w - padL - padR) * step / Math.max(totalSteps, 1); }
    function YL(v) { return padT + (h - padT - padB) * (1 - v / maxLoss); }
    function YA(v) { return padT + (h - padT - padB) * (1 - v); }
    ctx.textAlign = "right"; ctx.fillStyle = "#1f77b4";
    ctx.fillText(maxLoss.toFixed(1), padL - 4, padT + 10); ctx.fillText("0", padL - 4, h - padB);
    ctx.textAlign = "left"; ctx.fillStyle = "#d62728";
    ctx.fillText("100%", w - padR + 4, padT + 10); ctx.fillText("0%", w - padR + 4, h - padB);
    ctx.fillStyle = ink; ctx.textAlign = "center";
    ctx.fillText("training steps (" + totalSteps + ")", w / 2, h - 7);
    [[history.loss, "#1f77b4", YL], [history.accuracy, "#d62728", YA]].forEach(function (s) {
      var pts = s[0];
      if (!pts.length) return;
      ctx.strokeStyle = s[1]; ctx.lineWidth = 2; ctx.beginPath();
      pts.forEach(function (p, i) { var x = X(p[0]), y = s[2](p[1]); if (i) ctx.lineTo(x, y); else ctx.moveTo(x, y); });
      ctx.stroke();
    });
  }

  /* Give the trained network to the draw-a-digit box: the box holds the object
   * cnnBook.loadNet() resolves to, so its weights are replaced in place (and a
   * "cnn-book:network" event is sent for any other listener). */
  function handOver(net) {
    api.trained = net;
    if (typeof CustomEvent === "function") root.dispatchEvent(new CustomEvent("cnn-book:network", {detail: net}));
    var book = root.cnnBook;
    if (!book || !book.loadNet) return Promise.resolve(false);
    return book.loadNet().then(function (shared) {
      LAYERS.forEach(function (name) { shared[name] = net[name]; });
      shared.scale = net.scale; shared.info = net.info;
      document.querySelectorAll(".cnn-draw-digit").forEach(function (box) {
        var info = box.querySelector(".cnn-info");
        if (info) info.textContent = net.info.description;
        box.dataset.network = "trained-in-page";
        if (box._cnn) box._cnn.update();
      });
      return true;
    }, function () { return false; });
  }

  function mountPanel(mount) {
    mount.innerHTML = "";
    if (!root.cnnBook || !root.cnnBook.el) {
      mount.textContent = mount.dataset.error = "The book's script (../_static/cnn-book.js) did not load, so the panel cannot start" + BUILD_HINT + ".";
      return;
    }
    mount.classList.add("cnn-widget", "cnn-train");
    var tf = root.tf;
    var title = el("p", {class: "cnn-title", text: "Train the network in your browser (TensorFlow.js)"});
    var message = el("p", {class: "cnn-message", role: "alert"});
    mount.appendChild(title);
    mount.appendChild(message);
    function fail(text) { message.textContent = text; mount.dataset.error = text; }
    if (!tf || !tf.train) { fail("TensorFlow.js (../_static/vendor/tf.min.js) did not load, so the panel cannot train" + BUILD_HINT + "."); return; }
    if (!root.CNN_BOOK_DIGITS) { fail("The shipped digits (../_static/webmodel/digits.js) did not load, so there is nothing to train on" + BUILD_HINT + "."); return; }
    var archSel = select("network", Object.keys(SPECS).map(function (k) { return [k, SPECS[k].label]; }), "small");
    var lrSel = select("learning rate", [[0.0001, "0.0001"], [0.0003, "0.0003"], [0.001, "0.001 (the book's)"], [0.003, "0.003"], [0.01, "0.01"]], 0.001);
    // 32 by default: in Keras, 1 epoch of batches of 32 reached 93-94% on the
    // held-back digits for 8 seeds, batches of 50 (90 steps) 90.4-94%.
    var batchSel = select("batch size", [[16, "16"], [32, "32"], [50, "50 (the book's)"], [100, "100"], [250, "250"]], 32);
    var epochSel = select("epochs", [[1, "1"], [2, "2"], [3, "3 (the book's)"], [5, "5"]], 1);
    var train = el("button", {type: "button", class: "cnn-button", text: "Train"});
    var stop = el("button", {type: "button", class: "cnn-button", text: "Stop", disabled: "disabled"});
    mount.appendChild(el("div", {class: "cnn-controls"}, [
      el("label", {}, [el("span", {text: "network "}), archSel]),
      el("label", {}, [el("span", {text: "learning rate "}), lrSel]),
      el("label", {}, [el("span", {text: "batch size "}), batchSel]),
      el("label", {}, [el("span", {text: "epochs "}), epochSel]),
      el("span", {class: "cnn-train-buttons"}, [train, stop])]));
    var progress = el("progress", {class: "cnn-train-progress", max: "1", value: "0", "aria-label": "training progress"});
    var status = el("p", {class: "cnn-info", role: "status", text: "Loading the digits..."});
    var canvas = el("canvas", {class: "cnn-train-curve", width: "560", height: "220",
      "aria-label": "training loss (blue, left scale) and held-back accuracy (red, right scale)"});
    var legend = el("p", {class: "cnn-legend"}, [
      el("span", {class: "cnn-swatch", style: "background:#1f77b4"}), el("span", {text: "training loss (left scale), "}),
      el("span", {class: "cnn-swatch", style: "background:#d62728"}), el("span", {text: "accuracy on the 500 held-back digits (right scale)"})]);
    mount.appendChild(progress);
    mount.appendChild(canvas);
    mount.appendChild(legend);
    mount.appendChild(status);
    var data = null, backend = null, stopping = false, running = false, runs = 0;
    decodeDigits(root.CNN_BOOK_DIGITS).then(function (d) {
      data = d;
      status.textContent = "Ready: " + d.trainY.length + " training digits and " + d.testY.length +
        " held-back digits from " + d.source + ". Press Train.";
      mount.dataset.ready = "1";
    }, function (err) { fail("The shipped digits cannot be read: " + err.message); train.disabled = true; });

    async function run() {
      var arch = archSel.value, lr = Number(lrSel.value), bs = Number(batchSel.value), epochs = Number(epochSel.value);
      running = true; stopping = false; train.disabled = true; stop.disabled = false;
      [archSel, lrSel, batchSel, epochSel].forEach(function (s) { s.disabled = true; });
      delete mount.dataset.done; delete mount.dataset.error; message.textContent = "";
      try {
        if (!backend) {
          status.textContent = "Measuring which TensorFlow.js backend is fastest here...";
          await tf.nextFrame();
          backend = await pickBackend(tf, data, 50);
          mount.dataset.backend = backend.name;
        }
        var n = data.trainY.length, steps = Math.floor(n / bs), total = steps * epochs;
        var seed = runs++;  // each press of Train starts from other weights, the same on every visit
        var vars = variables(tf, initialArrays(tf, arch, 100 * seed)), opt = adam(tf, lr, vars);
        var history = {loss: [], accuracy: []}, step = 0, epochTimes = [], accuracy = 0;
        var evalEvery = Math.max(1, Math.round(steps / 8));
        var measured = Object.keys(backend.perStep).map(function (k) { return k + " " + backend.perStep[k].toFixed(0) + " ms"; }).join(", ");
        drawCurves(canvas, history, total);
        for (var e = 0; e < epochs && !stopping; e++) {
          var t0 = now(), order = permutation(n, 1000 * seed + e), ep = gather(data.trainX, data.trainY, order);
          for (var s = 0; s < steps && !stopping; s++) {
            var b = batch(tf, ep.x, ep.y, s * bs, bs);
            var l = trainStep(tf, arch, vars, opt, b.x, b.y);
            var lv = (await l.data())[0];
            l.dispose(); b.x.dispose(); b.y.dispose();
            step++;
            history.loss.push([step, lv]);
            if (step % evalEvery === 0 || s === steps - 1) {
              accuracy = await api.accuracy(tf, arch, vars, data.testX, data.testY, data.testY.length);
              history.accuracy.push([step, accuracy]);
            }
            progress.value = step / total;
            status.textContent = "Epoch " + (e + 1) + " of " + epochs + ", step " + (s + 1) + " of " + steps +
              ": loss " + lv.toFixed(3) + ", held-back accuracy " + (100 * accuracy).toFixed(1) + "% (backend " + backend.name + ")";
            drawCurves(canvas, history, total);
            await tf.nextFrame();  // let the page draw and answer between steps
          }
          if (!stopping) epochTimes.push((now() - t0) / 1000);
        }
        accuracy = await api.accuracy(tf, arch, vars, data.testX, data.testY, data.testY.length);
        var done = step === total;
        var epochText = epochTimes.length ? " One epoch took " + epochTimes.map(function (t) { return t.toFixed(1) + " s"; }).join(", ") + " here" : "";
        var info = {arch: arch, lr: lr, batch_size: bs, epochs: epochs, steps: step, seed: seed, backend: backend.name,
                    held_back_accuracy: accuracy, epoch_seconds: epochTimes, data: data.source};
        info.description = (arch === "small" ? "Article 000's small network" : "Article 001's large network") +
          ", trained in this page (" + step + " steps of " + bs + " digits, learning rate " + lr + "; " +
          (100 * accuracy).toFixed(1) + "% on the 500 held-back digits).";
        var net = toNet(vars, info);
        opt.dispose(); disposeVariables(vars);
        mount.dataset.accuracy = String(accuracy);
        mount.dataset.epochSeconds = JSON.stringify(epochTimes);
        mount.dataset.steps = String(step);
        mount.dataset.losses = JSON.stringify(history.loss.map(function (p) { return Number(p[1].toFixed(4)); }));
        var handed = await handOver(net);
        status.textContent = (done ? "Done: " : "Stopped after " + step + " of " + total + " steps: ") +
          (100 * accuracy).toFixed(1) + "% of the 500 held-back digits right." + epochText +
          " (backend " + backend.name + "; one step measured at " + measured + ")." +
          (handed ? " The draw-a-digit box now uses this network." : "");
        mount.dataset.done = done ? "1" : "stopped";
      } catch (err) {
        fail("Training failed: " + (err && err.message || err));
      } finally {
        running = false; train.disabled = false; stop.disabled = true;
        [archSel, lrSel, batchSel, epochSel].forEach(function (s) { s.disabled = false; });
      }
    }
    train.addEventListener("click", function () { if (data && !running) run(); });
    stop.addEventListener("click", function () { stopping = true; status.textContent = "Stopping after this step..."; });
    mount._cnnTrain = {run: run};
  }

  function init() { document.querySelectorAll(".cnn-train-panel").forEach(mountPanel); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})(typeof window !== "undefined" ? window : globalThis);
