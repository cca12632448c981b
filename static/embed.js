/* leadbox embed: progressively enhances a pasted <form data-leadbox-form> snippet.
 * Without this script the form still posts and lands on a thank-you page. With it: inline
 * validation, no page reload, a proof-of-work challenge solved in the background, and a
 * success message in place of the form. */
(function () {
  "use strict";
  var TEXT = {
    en: { required: "This field is required.", email: "Enter a valid email address.", tooLong: "This is too long.",
          sending: "Sending…", thanks: "Thank you! We have received your message and will get back to you soon.",
          fix: "Please check the marked fields.", busy: "Too many submissions. Please wait a minute and try again.",
          failed: "Something went wrong. Please try again." },
    vi: { required: "Trường này là bắt buộc.", email: "Vui lòng nhập email hợp lệ.", tooLong: "Nội dung quá dài.",
          sending: "Đang gửi…", thanks: "Cảm ơn bạn! Chúng tôi đã nhận được tin nhắn và sẽ sớm liên hệ lại.",
          fix: "Vui lòng kiểm tra các trường được đánh dấu.", busy: "Có quá nhiều lượt gửi. Vui lòng đợi một phút rồi thử lại.",
          failed: "Đã xảy ra lỗi. Vui lòng thử lại." }
  };

  // SHA-256 of an ASCII string, as bytes (synchronous, fast enough for proof-of-work).
  var K = [0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,0x3956c25b,0x59f111f1,0x923f82a4,0xab1c5ed5,
    0xd807aa98,0x12835b01,0x243185be,0x550c7dc3,0x72be5d74,0x80deb1fe,0x9bdc06a7,0xc19bf174,
    0xe49b69c1,0xefbe4786,0x0fc19dc6,0x240ca1cc,0x2de92c6f,0x4a7484aa,0x5cb0a9dc,0x76f988da,
    0x983e5152,0xa831c66d,0xb00327c8,0xbf597fc7,0xc6e00bf3,0xd5a79147,0x06ca6351,0x14292967,
    0x27b70a85,0x2e1b2138,0x4d2c6dfc,0x53380d13,0x650a7354,0x766a0abb,0x81c2c92e,0x92722c85,
    0xa2bfe8a1,0xa81a664b,0xc24b8b70,0xc76c51a3,0xd192e819,0xd6990624,0xf40e3585,0x106aa070,
    0x19a4c116,0x1e376c08,0x2748774c,0x34b0bcb5,0x391c0cb3,0x4ed8aa4a,0x5b9cca4f,0x682e6ff3,
    0x748f82ee,0x78a5636f,0x84c87814,0x8cc70208,0x90befffa,0xa4506ceb,0xbef9a3f7,0xc67178f2];
  var W = new Array(64);
  function sha256(msg) {
    var n = msg.length, words = ((n + 8) >> 6) + 1, m = new Array(words * 16), i;
    for (i = 0; i < m.length; i++) m[i] = 0;
    for (i = 0; i < n; i++) m[i >> 2] |= (msg.charCodeAt(i) & 0xff) << (24 - (i % 4) * 8);
    m[n >> 2] |= 0x80 << (24 - (n % 4) * 8);
    m[words * 16 - 1] = n * 8;
    var h0 = 0x6a09e667, h1 = 0xbb67ae85, h2 = 0x3c6ef372, h3 = 0xa54ff53a,
        h4 = 0x510e527f, h5 = 0x9b05688c, h6 = 0x1f83d9ab, h7 = 0x5be0cd19;
    for (var b = 0; b < m.length; b += 16) {
      for (i = 0; i < 64; i++) {
        if (i < 16) W[i] = m[b + i] | 0;
        else {
          var x = W[i - 15], y = W[i - 2];
          var s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
          var s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
          W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
        }
      }
      var a = h0, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7, bb = h1;
      for (i = 0; i < 64; i++) {
        var S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        var t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
        var S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        var t2 = (S0 + ((a & bb) ^ (a & c) ^ (bb & c))) | 0;
        h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = bb; bb = a; a = (t1 + t2) | 0;
      }
      h0 = (h0 + a) | 0; h1 = (h1 + bb) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0;
      h4 = (h4 + e) | 0; h5 = (h5 + f) | 0; h6 = (h6 + g) | 0; h7 = (h7 + h) | 0;
    }
    return [h0, h1, h2, h3, h4, h5, h6, h7];
  }
  function zeroBits(words) {
    var bits = 0;
    for (var i = 0; i < words.length; i++) {
      if (words[i] === 0) { bits += 32; continue; }
      return bits + Math.clz32(words[i]);
    }
    return bits;
  }
  // Solves in slices so the page stays responsive; resolves to "challenge:nonce".
  function solve(challenge) {
    var bits = parseInt(challenge.split(".")[2], 10) || 16;
    return new Promise(function (resolve) {
      var nonce = 0;
      (function slice() {
        var end = nonce + 20000;
        for (; nonce < end; nonce++) {
          var candidate = challenge + ":" + nonce;
          if (zeroBits(sha256(candidate)) >= bits) return resolve(candidate);
        }
        setTimeout(slice, 0);
      })();
    });
  }
  // Attribution: the first and the latest visit with a source (campaign tags, click ids or a
  // referring site), kept in this site's own storage across page views. A page view without
  // a source (moving around the site) is not a new touch.
  var STORE = "leadbox.attribution", TAGS = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "gclid", "fbclid"];
  function load() { try { return JSON.parse(localStorage.getItem(STORE)) || {}; } catch (e) { return {}; } }
  function touchNow() {
    var t = {}, q = new URLSearchParams(location.search), any = false;
    TAGS.forEach(function (k) { var v = q.get(k); if (v) { t[k] = v.slice(0, 500); any = true; } });
    var ref = document.referrer, host = null;
    try { host = ref ? new URL(ref).host : null; } catch (e) { host = null; }
    if (host && host !== location.host) { t.referrer = ref.slice(0, 2048); any = true; }
    t.landing_page = location.href.slice(0, 2048);
    t.at = new Date().toISOString();
    return { touch: t, sourced: any };
  }
  function remember() {
    var saved = load(), now = touchNow();
    if (!saved.firstTouch) saved.firstTouch = now.touch;
    if (now.sourced || !saved.lastTouch) saved.lastTouch = now.touch;
    try { localStorage.setItem(STORE, JSON.stringify(saved)); } catch (e) { /* storage off: this page view only */ }
    return saved;
  }
  var attribution = remember();
  window.LeadboxEmbed = { sha256: sha256, zeroBits: zeroBits, solve: solve, attribution: function () { return attribution; } };

  function lang(form) {
    var l = form.getAttribute("data-lang") || (form.querySelector("[name=_lang]") || {}).value ||
      document.documentElement.lang || "en";
    return TEXT[l.slice(0, 2)] ? l.slice(0, 2) : "en";
  }
  function showError(input, msg) {
    input.setAttribute("aria-invalid", "true");
    var p = document.createElement("p");
    p.className = "err leadbox-err";
    p.id = "lb-err-" + input.name;
    p.textContent = msg;
    input.setAttribute("aria-describedby", p.id);
    input.insertAdjacentElement("afterend", p);
  }
  function clearErrors(form) {
    form.querySelectorAll(".leadbox-err, .err").forEach(function (e) { e.remove(); });
    form.querySelectorAll("[aria-invalid]").forEach(function (e) { e.removeAttribute("aria-invalid"); });
  }
  function validate(form, t) {
    var first = null;
    form.querySelectorAll("input, textarea, select").forEach(function (el) {
      if (el.type === "hidden" || el.name === "_gotcha") return;
      var v = el.type === "checkbox" ? (el.checked ? "on" : "") : (el.value || "").trim(), msg = null;
      if (el.required && !v) msg = t.required;
      else if (v && el.type === "email" && !/^[^\s@<>,]+@[^\s@<>,]+\.[^\s@<>,]+$/.test(v)) msg = t.email;
      else if (el.maxLength > 0 && v.length > el.maxLength) msg = t.tooLong;
      if (msg) { showError(el, msg); first = first || el; }
    });
    if (first) first.focus();
    return !first;
  }
  var SERVER_NAMES = { businessName: "business_name", businessWebsite: "business_website", businessSize: "business_size" };

  function enhance(form) {
    if (form.__leadbox) return;
    form.__leadbox = true;
    var action = form.action;
    var base = action.replace(/\/inquiries\/?(\?.*)?$/, "");
    var t = TEXT[lang(form)];
    var status = form.querySelector(".status") || form.appendChild(document.createElement("p"));
    status.setAttribute("role", "status");
    status.classList.add("leadbox-status");
    var token = null, proof = null;
    fetch(base + "/challenge", { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (!body || !body.data) return;
        token = body.data.ts;
        proof = solve(body.data.challenge);
      })
      .catch(function () {});

    form.setAttribute("novalidate", "");
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      clearErrors(form);
      if (!validate(form, t)) { status.textContent = t.fix; return; }
      var button = form.querySelector("button[type=submit], button:not([type])");
      if (button) button.disabled = true;
      status.textContent = t.sending;
      Promise.resolve(proof).then(function (pow) {
        var data = {};
        new FormData(form).forEach(function (v, k) { data[k] = v; });
        if (token && !data._ts) data._ts = token;
        if (pow) data._pow = pow;
        data.attribution = attribution;
        return fetch(action, {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify(data)
        });
      }).then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (body) { return { res: res, body: body }; });
      }).then(function (r) {
        if (r.res.status === 201) {
          var done = document.createElement("div");
          done.className = "leadbox-success";
          done.setAttribute("tabindex", "-1");
          done.setAttribute("role", "status");
          done.textContent = t.thanks;
          form.replaceWith(done);
          done.focus();
          return;
        }
        if (button) button.disabled = false;
        if (r.res.status === 400 && r.body.error && r.body.error.details) {
          var details = r.body.error.details;
          Object.keys(details).forEach(function (k) {
            var el = form.querySelector("[name='" + (SERVER_NAMES[k] || k) + "']") || form.querySelector("[name='" + k + "']");
            if (el) showError(el, details[k]);
          });
          status.textContent = t.fix;
        } else if (r.res.status === 429) {
          status.textContent = t.busy;
        } else {
          status.textContent = t.failed;
        }
      }).catch(function () {
        // The request itself failed (offline, blocked, or this page's origin is not allowed
        // yet): fall back to a plain form post, which leadbox keeps either way.
        var hidden = form.querySelector("input[name=attribution]") || form.appendChild(document.createElement("input"));
        hidden.type = "hidden"; hidden.name = "attribution"; hidden.value = JSON.stringify(attribution);
        form.submit();
      });
    });
  }

  function init() { document.querySelectorAll("form[data-leadbox-form]").forEach(enhance); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
