/* Chapter 7's training panel: train article 000's small network in the
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
            label: "article 000's small network (6/16 filters, 128 hidden)"},
    large: {filters: [32, 64], kernel: 5, hidden: 1000, reluBeforePool: true,
            label: "article 001's large network (32/64 filters, 1000 hidden; slow)"}
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

  /* tf.Variables from arrays {name: {k, shape, b}} (cnnBook.parseNet's form). */
  function variables(tf, arrays) {
    var vars = {};
    LAYERS.forEach(function (name) {
      var a = arrays[name];
      vars[name] = {k: tf.variable(tf.tensor(a.k, a.shape, "float32"), true),
                    b: tf.variable(tf.tensor1d(a.b, "float32"), true)};
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
    var m = list.map(function (w) { return tf.variable(tf.zerosLike(w), false); });
    var v = list.map(function (w) { return tf.variable(tf.zerosLike(w), false); });
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

  /* Accuracy of the network on digits [0, n), in chunks of 250. */
  function accuracy(tf, arch, vars, pixels, labels, n) {
    var right = 0;
    for (var s = 0; s < n; s += 250) {
      var m = Math.min(250, n - s), b = batch(tf, pixels, labels, s, m);
      var pred = tf.tidy(function () { return tf.argMax(logits(tf, arch, vars, b.x), 1); });
      var p = pred.dataSync();
      for (var i = 0; i < m; i++) if (p[i] === labels[s + i]) right++;
      pred.dispose(); b.x.dispose(); b.y.dispose();
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
  root.cnnTrainPanel = api;
  // PANEL
})(typeof window !== "undefined" ? window : globalThis);
