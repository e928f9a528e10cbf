/* gongbao search page: exact Chinese substring search on Pagefind (see gongbao/search/).
 * window.gongbaoSearch(query, {filters, sort}) resolves to every match in rank order:
 * 文号 match, then title match, then relevance (BM25 over bigrams); with {limit, offset}, to one
 * page of them, with .total and .exact (see the results section). Works online and from file://.
 *
 * One classic script, because Chromium runs no ES module from file://. Its sections, in order:
 *   tokens        normalisation and spelling, the rules of gongbao/search/tokens.py
 *   files         the index's entry and layout (named by the entry and meta) and loading its files
 *   engine        the Pagefind adapter: Pagefind on the page, online or offline
 *   index         meta, which documents hold a bigram or a character, and where; their text
 *   ranking       candidates in rank order; filters and sort
 *   verification  candidates checked against their text, so that only exact matches remain
 *   results       window.gongbaoSearch
 *   page          snippets, the form and the results list, the warm-up */
(function () {
  "use strict";
  var app = document.getElementById("gb-search");
  if (!app) return;
  var ROOT = app.getAttribute("data-root") || "../";
  var BASE = ROOT + "search/";
  var FROM_DISK = location.protocol === "file:";
  var EXPLICIT_INDEX = FROM_DISK || app.getAttribute("data-explicit-index") === "true";
  var PAGE_SIZE = 10, EXACT_COUNT_UP_TO = 100;

  /* ---------- tokens: the rules of gongbao/search/tokens.py (test_search checks they agree) ---------- */
  var KEEP = /[\p{L}\p{N}]/u, DROP = /[^\p{L}\p{N}]+/gu;
  /* Traditional -> simplified, one character to one (gongbao/search/fold.py): meta carries the
   * table, so a text is folded as Python folds it once meta is read (rank waits for it). */
  var FOLD = new Map();
  function setFold(pairs) {
    var cs = Array.from(pairs);
    for (var i = 0; i + 1 < cs.length; i += 2) FOLD.set(cs[i], cs[i + 1]);
  }
  function fold(s) {
    if (!FOLD.size) return s;
    var out = "";
    for (var c of s) out += FOLD.get(c) || c;
    return out;
  }
  function normalize(s) {
    return fold(s.normalize("NFKC").toLowerCase().replace(DROP, ""));
  }
  /* Python's str.isspace(), where query_words splits: JavaScript's \s differs (U+001C-1F, U+0085, U+FEFF). */
  var SPACE = /[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;
  /* A code point below 35 * 36^2 is three base-36 symbols, any other is "z" and four; a bigram
   * token is the two codes together (prefix-free). */
  var ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";
  function spell(chars) {
    var out = "";
    for (var c of chars) {
      var n = c.codePointAt(0), digits = n < 45360 ? 3 : 4, s = "";
      for (var i = 0; i < digits; i++) { s = ALPHABET[n % 36] + s; n = Math.floor(n / 36); }
      out += digits === 3 ? s : "z" + s;
    }
    return out;
  }
  function queryWords(q) {
    return q.normalize("NFKC").split(SPACE).map(normalize).filter(Boolean);
  }
  function bigrams(w) {
    var cs = Array.from(w), out = [];
    for (var i = 0; i + 1 < cs.length; i++) out.push(cs[i] + cs[i + 1]);
    return out;
  }

  /* ---------- files: the index's layout, and loading (fetch online, <script> wrappers offline) ---------- */
  /* gongbao/search/layout.py describes the index's files. Every one is named after its content but
   * the entry (layout.ENTRY, Pagefind's own), fetched fresh, which names meta and Pagefind's script
   * (under ENTRY_KEY); meta (m.layout) names the shards. Only the entry is spelled here, and BASE's
   * "search/" above (test_search checks that the page fetches only files the build wrote). */
  var ENTRY = "pagefind/pagefind-entry.json", ENTRY_KEY = "gongbao", OFFLINE_FILES = "offline/";
  var PAGEFIND = ENTRY.slice(0, ENTRY.lastIndexOf("/") + 1);
  /* The file of number n of a family of layout.SHARDS ("names", "chars", "heads", "rests"). */
  function shard(m, family, n) {
    var f = m.layout.files[family];
    return f[0] + n.toString(f[1]) + ".gb";
  }
  /* Offline (from disk, or where the site holds only the offline form of the index: the bundle on a
   * web server), every file comes from its script under offline/ (see gongbao/search/offline.py). */
  var offline = FROM_DISK;
  var offlineFiles = {}, offlineWaiters = {};
  window.gongbaoOffline = {
    put: function (path, b64) {
      var bin = atob(b64), bytes = new Uint8Array(bin.length);
      for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      offlineFiles[path] = bytes;
      (offlineWaiters[path] || []).forEach(function (w) { w.resolve(bytes); });
      delete offlineWaiters[path];
    }
  };
  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = src; s.async = true;
      s.onload = function () { resolve(); };
      s.onerror = function () { reject(new Error("cannot load " + src)); };
      document.head.appendChild(s);
    });
  }
  function offlineBytes(path) {
    if (offlineFiles[path]) return Promise.resolve(offlineFiles[path]);
    return new Promise(function (resolve, reject) {
      (offlineWaiters[path] = offlineWaiters[path] || []).push({ resolve: resolve });
      loadScript(BASE + OFFLINE_FILES + path + ".js").catch(reject);
    });
  }
  function rawBytes(path) {
    return entry().then(function () {
      if (offline) return offlineBytes(path);
      return fetch(BASE + path).then(function (r) {
        if (!r.ok) throw new Error(path + ": HTTP " + r.status);
        return r.arrayBuffer();
      }).then(function (b) { return new Uint8Array(b); });
    });
  }
  var entryReady = null;
  /* The entry, revalidated with the server on every page load: a new build is seen at once. */
  function entry() {
    if (!entryReady) {
      entryReady = (offline ? Promise.resolve(null) : fetch(BASE + ENTRY, { cache: "no-cache" }).then(function (r) {
        if (r.status === 404) { offline = true; return null; }
        if (!r.ok) throw new Error(ENTRY + ": HTTP " + r.status);
        return r.arrayBuffer().then(function (b) { return new Uint8Array(b); });
      })).then(function (bytes) {
        return bytes || offlineBytes(ENTRY);
      }).then(function (bytes) {
        var e = JSON.parse(new TextDecoder().decode(bytes));
        if (!e[ENTRY_KEY]) throw new Error("the search index has no " + ENTRY_KEY + " entry");
        return e[ENTRY_KEY];
      });
      entryReady.catch(function () { entryReady = null; });
    }
    return entryReady;
  }
  function gunzip(bytes) {
    if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return Promise.resolve(bytes);
    var ds = new DecompressionStream("gzip"), writer = ds.writable.getWriter();
    writer.write(bytes);
    writer.close();
    return new Response(ds.readable).arrayBuffer().then(function (b) { return new Uint8Array(b); });
  }
  /* At most MAX_LOADS files in flight: verifying thousands of candidates must not flood the server. */
  var MAX_LOADS = 12, inFlight = 0, queue = [];
  function limited(start) {
    return new Promise(function (resolve, reject) {
      queue.push(function () {
        inFlight++;
        start().then(resolve, reject).then(function () { inFlight--; if (queue.length) queue.shift()(); });
      });
      if (inFlight < MAX_LOADS) queue.shift()();
    });
  }
  var jsonCache = {};
  function loadJson(path) {
    if (!jsonCache[path]) {
      jsonCache[path] = limited(function () { return rawBytes(path).then(gunzip); }).then(function (b) {
        return JSON.parse(new TextDecoder().decode(b));
      });
      jsonCache[path].catch(function () { delete jsonCache[path]; });
    }
    return jsonCache[path];
  }

  /* ---------- engine: the Pagefind adapter ---------- */
  var OFFLINE_ROOT = "gongbao-offline:/";
  var pagefindReady = null;
  function pagefind() {
    if (!pagefindReady) pagefindReady = entry().then(function (e) { return startPagefind(PAGEFIND + e.script); });
    return pagefindReady;
  }
  function startPagefind(script) {
    if (!offline) {
      return import(new URL(BASE + script, location.href).href).then(function (pf) {
        /* On the page, not in Pagefind's worker: one file (41 KB) less before the first results. */
        return pf.options({ basePath: new URL(BASE + PAGEFIND, location.href).href, noWorker: true })
          .then(function () { return pf; });
      });
    }
    var realFetch = window.fetch;
    window.fetch = function (input, init) {
      var url = typeof input === "string" ? input : (input && input.url) || String(input);
      if (url.indexOf(OFFLINE_ROOT) === 0) {
        var file = url.slice(OFFLINE_ROOT.length).split(/[?#]/)[0];  // drop Pagefind's ?ts= cache buster
        return offlineBytes(file).then(function (b) { return new Response(b); });
      }
      return realFetch.apply(this, arguments);
    };
    var RealWorker = window.Worker;
    window.Worker = undefined;  // a worker cannot load from file://; run Pagefind on the page
    return loadScript(BASE + OFFLINE_FILES + script + ".js").then(function () {
      var pf = window.gongbaoPagefind;
      return pf.options({ basePath: OFFLINE_ROOT + PAGEFIND, noWorker: true })
        .then(function () { window.Worker = RealWorker; return pf; });
    });
  }
  var bigramCache = {};
  /* ---------- index: meta, where each document's tokens lie, and its text ---------- */
  /* A document (m.docs[d]) from meta's columns (layout.META_COLUMNS): bigrams (how many distinct
   * bigrams it has), number (how many are the 文号's), date, issuers, doc_type, status, gazette
   * (facet numbers). The page reads these by name: an index without one of them is refused rather
   * than searched wrongly. */
  var COLUMNS = ["bigrams", "number", "date", "issuers", "doc_type", "status", "gazette"];
  var metaReady = null;
  function meta() {
    if (!metaReady) {
      metaReady = entry().then(function (e) { return loadJson(e.meta); }).then(function (m) {
        var c = m.columns, missing = COLUMNS.filter(function (k) { return !(k in c); });
        if (missing.length) throw new Error("the index has no column " + missing.join(", "));
        if (typeof m.fold !== "string") throw new Error("the index has no folding table");
        setFold(m.fold);
        if (m.layout.slots !== CLASSES.length) throw new Error("the index has " + m.layout.slots + " slots, not " +
          CLASSES.length);
        var keys = Object.keys(c), n = c.bigrams.length, sum = 0;
        m.docs = new Array(n);
        for (var i = 0; i < n; i++) {
          var doc = {};
          for (var k = 0; k < keys.length; k++) doc[keys[k]] = c[keys[k]][i];
          m.docs[i] = doc;
          sum += doc.bigrams;
        }
        m.avgBigrams = n ? sum / n : 1;
        if (!m.own) throw new Error("the index has no list of words with chunks of their own");
        // each part's first document, in part order (which is document order): Pagefind's page numbers
        m.partStarts = Object.keys(m.pages).map(function (id) { return m.pages[id]; }).sort(function (a, b) {
          return a - b;
        });
        // Statuses taken after the build (status.js knows today): filters and results follow them.
        var today = window.gongbaoStatus && window.gongbaoStatus.today, changes = m.status_changes || {};
        Object.keys(changes).forEach(function (d) {
          changes[d].forEach(function (c) { if (today && c[0] <= today) m.docs[d].status = c[1]; });
        });
        m.firsts = {};
        Object.keys(m.shards).forEach(function (family) {
          var firsts = m.firsts[family] = [0];
          m.shards[family].forEach(function (count) { firsts.push(firsts[firsts.length - 1] + count); });
        });
        return m;
      });
    }
    return metaReady;
  }
  /* The last i with sorted[i] <= x. */
  function below(sorted, x) {
    var lo = 0, hi = sorted.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (sorted[mid] <= x) lo = mid; else hi = mid - 1;
    }
    return lo;
  }
  /* Document d's entry in a family of text shards ("heads" or "rests": consecutive documents,
   * m.shards giving how many each shard holds). */
  function textOf(m, family, d) {
    var k = below(m.firsts[family], d);
    return loadJson(shard(m, family, k)).then(function (docs) { return docs[d - m.firsts[family][k]]; });
  }
  /* SEGMENT of a match: in the 文号, in the title, or only in the body. */
  var NUMBER = 0, TITLE = 1, BODY = 2;
  /* A bigram's class (layout.CLASSES: its position in its document's slots) -> [tf estimate, segment]:
   * in the 文号, in the title, in the body with tf >= 10, 4, 2, or 1. */
  var CLASSES = [[2.5, NUMBER], [2.5, TITLE], [12, BODY], [6, BODY], [2.5, BODY], [1, BODY]];
  /* doc -> [tf estimate, segment] of a bigram, from where Pagefind found its token. The index has one
   * Pagefind page per part of the site (parts are indexed side by side); m.pages gives each page's
   * first document, and a location inside a page is its document's place in the part times
   * m.layout.slots, plus the token's class. */
  function docsOfBigram(m, bigram) {
    if (!bigramCache[bigram]) {
      var word = spell(bigram), own = Object.prototype.hasOwnProperty.call(m.own, word);
      bigramCache[bigram] = own ? ownChunk(m, word) : pagefind().then(function (pf) {
        return pf.search(word);
      }).then(function (r) {
        var map = new Map();
        ((r && r.results) || []).forEach(function (res) {
          var first = m.pages[res.id];
          if (first === undefined) throw new Error("unknown index page " + res.id);
          res.words.forEach(function (w) { locate(m, map, first, w); });
        });
        return map;
      });
    }
    return bigramCache[bigram];
  }
  function locate(m, map, first, w) {
    var slots = m.layout.slots, k = Math.floor(w / slots), d = first + k, c = CLASSES[w - k * slots];
    if (!c || d >= m.docs.length) throw new Error("a location beyond the index: " + w);
    map.set(d, c);
  }
  /* A word held by so many documents that its entry is a chunk of its own (m.own, see gongbao/search/merge.py),
   * read here rather than by Pagefind, which would make an object of each of its locations: the chunk is
   * Pagefind's, "pagefind_dcd" then CBOR [[[word, [[page, locations, []], ...], []]]], each page number the
   * difference to the one before, each location the difference to the one before, after a weight (negative). */
  var SIGNATURE = "pagefind_dcd";
  function ownChunk(m, word) {
    return limited(function () { return rawBytes(m.own[word]).then(gunzip); }).then(function (b) {
      if (new TextDecoder().decode(b.subarray(0, SIGNATURE.length)) !== SIGNATURE) {
        throw new Error("not a chunk of the index: " + m.own[word]);
      }
      var entries = decodeCbor(b, SIGNATURE.length)[0], map = new Map(), page = -1;
      if (entries.length !== 1 || entries[0][0] !== word) throw new Error("not the chunk of " + word);
      entries[0][1].forEach(function (p, i) {
        page = i ? page + p[0] : p[0];
        var first = m.partStarts[page], w = 0;
        if (first === undefined) throw new Error("unknown index page " + page);
        for (var j = 0, ls = p[1]; j < ls.length; j++) {
          if (ls[j] < 0) continue;  // a weight, which the page does not read
          w += ls[j];
          locate(m, map, first, w);
        }
      });
      return map;
    });
  }
  /* The CBOR value at `at` in `b`: the unsigned and negative integers, strings and arrays of Pagefind's chunks. */
  function decodeCbor(b, at) {
    var view = new DataView(b.buffer, b.byteOffset, b.byteLength), i = at;
    function argument(info) {
      var v;
      if (info < 24) return info;
      if (info === 24) return b[i++];
      if (info === 25) { v = view.getUint16(i); i += 2; return v; }
      if (info === 26) { v = view.getUint32(i); i += 4; return v; }
      throw new Error("a CBOR value the index does not hold");
    }
    function item() {
      var head = b[i++], major = head >> 5, n = argument(head & 31);
      if (major === 0) return n;
      if (major === 1) return -1 - n;
      if (major === 3) { var s = new TextDecoder().decode(b.subarray(i, i + n)); i += n; return s; }
      if (major === 4) {
        var a = new Array(n);
        for (var k = 0; k < n; k++) a[k] = item();
        return a;
      }
      throw new Error("a CBOR value the index does not hold");
    }
    return item();
  }
  /* doc -> [1, segment] of a single character, from its shard of chars (see layout.CHARS). */
  function docsOfChar(m, c) {
    return loadJson(shard(m, "chars", c.codePointAt(0) % m.layout.char_shards)).catch(function () {
      return {};  // no document holds a character of this shard
    }).then(function (shard) {
      var lists = shard[c] || [[], []], map = new Map(), inTitle = new Set(undeltas(lists[1]));
      undeltas(lists[0]).forEach(function (d) { map.set(d, [1, inTitle.has(d) ? TITLE : BODY]); });
      return map;
    });
  }
  function undeltas(xs) {
    var out = new Array(xs.length), sum = 0;
    for (var i = 0; i < xs.length; i++) { sum += xs[i]; out[i] = sum; }
    return out;
  }

  /* The documents in every map, in the order of the smallest (of the only one: its keys in order), and each map's
   * value for each of them (values[j][i]: maps[j]'s for docs[i]), read as they are checked: the ranking reads
   * them by position, not by looking each hit up again (人 holds 99,680 of 100,000 documents). */
  function intersect(maps) {
    if (maps.length < 2) {
      return maps.length ? { docs: Array.from(maps[0].keys()), values: [Array.from(maps[0].values())] }
        : { docs: [], values: [] };
    }
    var smallest = maps.reduce(function (a, b) { return a.size <= b.size ? a : b; }), docs = [];
    var values = maps.map(function () { return []; }), found = new Array(maps.length);
    smallest.forEach(function (_, d) {
      for (var j = 0; j < maps.length; j++) if ((found[j] = maps[j].get(d)) === undefined) return;
      docs.push(d);
      for (j = 0; j < maps.length; j++) values[j].push(found[j]);
    });
    return { docs: docs, values: values };
  }
  function unique(xs) { return xs.filter(function (x, i) { return xs.indexOf(x) === i; }); }

  /* ---------- ranking ---------- */
  /* 文号 match first (the query is the document's 文号: its bigrams are exactly the 文号's),
   * then title match (every word's bigrams, or its character, in the title), then BM25. */
  function rank(query) {
    if (!queryWords(query).length) return Promise.resolve({ words: [], ids: [], meta: null });
    return meta().then(function (m) {
      var words = queryWords(query), terms = [], perWord = [];
      words.forEach(function (w) {
        var bg = bigrams(w), ts = bg.length ? bg : [w];
        perWord.push(ts.map(function (t) {
          var at = terms.indexOf(t);
          if (at < 0) { terms.push(t); at = terms.length - 1; }
          return at;
        }));
      });
      var numberTerms = /\d/.test(query) ? unique(bigrams(words.join(""))) : [];
      numberTerms.forEach(function (t) { if (terms.indexOf(t) < 0) terms.push(t); });
      return Promise.all(terms.map(function (t) {
        return Array.from(t).length === 2 ? docsOfBigram(m, t) : docsOfChar(m, t);
      })).then(function (all) {
        var maps = perWord.length ? [].concat.apply([], perWord).map(function (i) { return all[i]; }) : [];
        maps = unique(maps);
        var hits = intersect(maps), list = hits.docs, values = hits.values, n = list.length;
        if (!n) return { words: words, ids: [], meta: m };
        var numberMaps = numberTerms.map(function (t) { return all[terms.indexOf(t)]; });
        var isNumber = function (d) {
          return numberMaps.length > 0 && m.docs[d].number === numberMaps.length &&
            numberMaps.every(function (mp) { return mp.has(d) && mp.get(d)[1] === NUMBER; });
        };
        var inTitle = function (i) {
          return values.every(function (vs) { return vs[i][1] !== BODY; });
        };
        /* Each hit's tier, whether only cited, and score in typed arrays, sorted by position: a word
         * as common as 人 has nearly every document of a large site as hits (99,680 of 100,000), and
         * sorting them through Map lookups took 270-470 ms. The order is the same (a total order). */
        var N = m.docs.length, k1 = 1.2, b = 0.75;
        var idfs = maps.map(function (mp) { return Math.log(1 + (N - mp.size + 0.5) / (mp.size + 0.5)); });
        var tier = new Uint8Array(n), cited = new Uint8Array(n), score = new Float64Array(n), at = new Array(n);
        for (var i = 0; i < n; i++) {
          var d = list[i], len = m.docs[d].bigrams || 1, s = 0;
          for (var j = 0; j < maps.length; j++) {
            var tf = values[j][i][0];
            s += idfs[j] * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len / m.avgBigrams));
          }
          score[i] = s;
          tier[i] = isNumber(d) ? 0 : inTitle(i) ? 1 : 2;
          /* In its tier a document only cited (doc_type -1: no text, only its cited title) comes after
           * the documents of the collection: its short record would win on length alone. */
          cited[i] = m.docs[d].doc_type < 0 ? 1 : 0;
          at[i] = i;
        }
        at.sort(function (x, y) {
          return (tier[x] - tier[y]) || (cited[x] - cited[y]) || (score[y] - score[x]) || (list[x] - list[y]);
        });
        var ids = at.map(function (i) { return list[i]; });
        return { words: words, ids: ids, meta: m };
      });
    });
  }

  /* The ranked ids that pass the filters (facets, year), sorted by date when asked (newest first,
   * rank order among equals). */
  function applyOptions(r, options) {
    var m = r.meta, f = (options && options.filters) || {}, ids = r.ids;
    if (!m) return ids;
    var F = m.facets;
    var want = function (list, value) { return value ? list.indexOf(value) : null; };
    var issuer = want(F.issuers, f.issuer), type = want(F.doc_types, f.doc_type);
    var status = want(F.statuses, f.status), gazette = want(F.gazettes, f.gazette);
    ids = ids.filter(function (d) {
      var doc = m.docs[d];
      return (issuer === null || doc.issuers.indexOf(issuer) >= 0) &&
        (!f.year || doc.date.slice(0, 4) === String(f.year)) &&
        (type === null || doc.doc_type === type) && (status === null || doc.status === status) &&
        (gazette === null || doc.gazette === gazette);
    });
    if (options && options.sort === "date") {
      var pos = new Map(ids.map(function (d, i) { return [d, i]; }));
      ids = ids.slice().sort(function (x, y) {
        return m.docs[y].date < m.docs[x].date ? -1 : m.docs[y].date > m.docs[x].date ? 1 : pos.get(x) - pos.get(y);
      });
    }
    return ids;
  }

  /* ---------- verification ---------- */
  /* Whether the index alone decides: a word of one character is looked up as itself, and one of
   * two as its one bigram (bigrams never span two paragraphs), so every candidate matches. */
  function decided(words) {
    return words.every(function (w) { return Array.from(w).length <= 2; });
  }
  /* Bigram candidates are checked against the document's text, so only exact matches remain. */
  function verify(m, ids, words) {
    if (decided(words)) return Promise.resolve(ids);
    return Promise.all(ids.map(function (d) {
      return loadDoc(m, d, words).then(function (doc) { return containsAll(doc, words); });
    })).then(function (ok) { return ids.filter(function (_, i) { return ok[i]; }); });
  }
  /* A document's fields and text: the start of the text (heads), and the rest (rests) only when
   * the start does not contain every word. */
  function loadDoc(m, d, words) {
    return textOf(m, "heads", d).then(function (doc) {
      if (!doc.more || containsAll(doc, words)) return doc;
      return textOf(m, "rests", d).then(function (rest) {
        var full = {}; for (var k in doc) full[k] = doc[k];
        full.text = doc.text + "\n" + rest; full.more = false;
        return full;
      });
    });
  }
  /* Whether every word lies inside the title, the 文号 or one paragraph: gongbao.search.matches. */
  function containsAll(doc, words) {
    var parts = [doc.title, doc.doc_number || ""].concat(doc.text.split("\n")).map(normalize);
    return words.every(function (w) { return parts.some(function (p) { return p.indexOf(w) >= 0; }); });
  }

  /* ---------- results ---------- */
  function names(m, ids) {
    var per = m.layout.names_per_shard, shards = {};
    ids.forEach(function (d) { shards[Math.floor(d / per)] = true; });
    return Promise.all(Object.keys(shards).map(function (s) {
      return loadJson(shard(m, "names", Number(s))).then(function (rows) { return [s, rows]; });
    })).then(function (loaded) {
      var byShard = {};
      loaded.forEach(function (x) { byShard[x[0]] = x[1]; });
      return ids.map(function (d) { return byShard[Math.floor(d / per)][d % per]; });
    });
  }

  /* A document only cited (未收录全文) has no date but the year of its 文号, and no 文种. */
  function record(m, d, name) {
    var doc = m.docs[d], F = m.facets;
    return {
      url: name[0], title: name[1], doc_number: name[2], in_collection: name[3],
      issuers: doc.issuers.map(function (i) { return F.issuers[i]; }),
      doc_type: doc.doc_type >= 0 ? F.doc_types[doc.doc_type] : null,
      date: doc.date, year: doc.date ? Number(doc.date.slice(0, 4)) : null,
      status: F.statuses[doc.status], gazette: doc.gazette >= 0 ? F.gazettes[doc.gazette] : null
    };
  }

  /* gongbaoSearch(query, options): every match, in order (options: filters, sort). With
   * options.limit, the matches from options.offset (default 0) on, at most limit of them, and on
   * the array .total, the number of matches, and .exact: whether .total is exact. It is when the
   * index alone decides (every word of one or two characters) or when every candidate has been
   * checked; otherwise it counts the candidates not yet checked too, an upper bound. Only as many
   * candidates are checked as that page needs, in rank order. */
  window.gongbaoSearch = function (query, options) {
    var limit = options && options.limit, offset = (options && options.offset) || 0;
    return rank(query).then(function (r) {
      var ids = applyOptions(r, options);
      if (limit === undefined || limit === null) {
        return verify(r.meta, ids, r.words).then(function (found) { return described(r.meta, found); });
      }
      return matchesUpTo(r.meta, ids, r.words, offset + limit).then(function (p) {
        return described(r.meta, p.found.slice(offset, offset + limit)).then(function (results) {
          results.total = p.total; results.exact = p.exact;
          return results;
        });
      });
    });
  };
  /* The first `wanted` matches among the ranked candidates, checked a batch at a time. */
  function matchesUpTo(m, ids, words, wanted) {
    var found = [], checked = 0;
    function more() {
      if (found.length >= wanted || checked >= ids.length) {
        var all = checked >= ids.length;
        return { found: found, total: found.length + ids.length - checked, exact: all };
      }
      var batch = ids.slice(checked, checked + Math.max(wanted - found.length, PAGE_SIZE));
      checked += batch.length;
      return verify(m, batch, words).then(function (ok) { found = found.concat(ok); return more(); });
    }
    if (decided(words)) return Promise.resolve({ found: ids.slice(0, wanted), total: ids.length, exact: true });
    return Promise.resolve(more());
  }
  function described(m, ids) {
    if (!ids.length) return Promise.resolve([]);
    return names(m, ids).then(function (ns) {
      return ids.map(function (d, i) { return record(m, d, ns[i]); });
    });
  }
  window.gongbaoSearch.normalize = normalize;
  /* Resolves once meta (and so the folding table) is read: normalize() folds from then on. */
  window.gongbaoSearch.ready = function () { return meta().then(function () { return true; }); };
  window.gongbaoSearch.queryWords = queryWords;
  window.gongbaoSearch.spell = spell;

  /* ---------- page: snippets ---------- */
  /* Each kept character of `text` with its index, so matches map back for highlighting. */
  function indexed(text) {
    var chars = [], idx = [], i = 0;
    for (var c of text) {
      for (var n of c.normalize("NFKC").toLowerCase()) {
        if (KEEP.test(n)) { chars.push(fold(n)); idx.push(i); }
      }
      i += c.length;
    }
    return { norm: chars.join(""), idx: idx };
  }
  /* Where the words lie in `text`, as [start, end) code point ranges, in order. */
  function matchRanges(text, words) {
    var ix = indexed(text), norm = ix.norm, cps = Array.from(text), cpIndex = [], u = 0, ranges = [];
    cps.forEach(function (c, i) { cpIndex[u] = i; u += c.length; });
    words.forEach(function (w) {
      var wl = Array.from(w).length, from = 0, at;
      while ((at = norm.indexOf(w, from)) >= 0) {
        var startCp = Array.from(norm.slice(0, at)).length;
        ranges.push([cpIndex[ix.idx[startCp]], cpIndex[ix.idx[startCp + wl - 1]] + 1]);
        from = at + w.length;
      }
    });
    return { cps: cps, ranges: ranges.sort(function (a, b) { return a[0] - b[0]; }) };
  }
  /* el gets text[lo, hi) with the matches marked, and "…" where the text is cut. */
  function fillMarked(el, found, lo, hi) {
    var cps = found.cps, cur = lo;
    el.textContent = "";
    if (lo > 0) el.appendChild(document.createTextNode("…"));
    found.ranges.forEach(function (r) {
      if (r[0] < cur || r[0] >= hi) return;
      el.appendChild(document.createTextNode(cps.slice(cur, r[0]).join("")));
      var mark = document.createElement("mark");
      mark.textContent = cps.slice(r[0], Math.min(r[1], hi)).join("");
      el.appendChild(mark);
      cur = Math.min(r[1], hi);
    });
    el.appendChild(document.createTextNode(cps.slice(cur, hi).join("")));
    if (hi < cps.length) el.appendChild(document.createTextNode("…"));
  }
  function snippet(doc, words, el) {
    var paras = doc.text.split("\n"), best = null;
    for (var k = 0; k < paras.length && best === null; k++) {
      var flat = normalize(paras[k]);  /* cheap: only the paragraph shown is indexed */
      if (words.some(function (w) { return flat.indexOf(w) >= 0; })) best = paras[k];
    }
    if (best === null) { el.textContent = doc.text.slice(0, 100); return; }
    var found = matchRanges(best, words), first = found.ranges.length ? found.ranges[0][0] : 0;
    fillMarked(el, found, Math.max(0, first - 40), Math.min(found.cps.length, first + 80));
  }

  /* ---------- page: the form and the results ---------- */
  var form = app.querySelector("form"), input = app.querySelector("[name=q]");
  var list = app.querySelector(".gb-results"), statusEl = app.querySelector(".gb-status");
  var more = app.querySelector(".gb-more"), advice = app.querySelector(".gb-advice");
  var PAGE_TITLE = document.title;
  var FILTERS = ["issuer", "year", "doc_type", "status", "gazette"];
  var state = { token: 0, ids: [], shown: 0, words: [], meta: null };

  function currentOptions() {
    var filters = {};
    FILTERS.forEach(function (f) {
      var el = form.elements[f];
      if (el && el.value) filters[f] = el.value;
    });
    return { filters: filters, sort: form.elements.sort ? form.elements.sort.value : "relevance" };
  }
  function href(url) { return ROOT + url + (EXPLICIT_INDEX && /\/$/.test(url) ? "index.html" : ""); }
  function syncUrl() {
    var params = new URLSearchParams();
    if (input.value.trim()) params.set("q", input.value.trim());
    var o = currentOptions();
    FILTERS.forEach(function (f) { if (o.filters[f]) params.set(f, o.filters[f]); });
    if (o.sort === "date") params.set("sort", "date");
    var qs = params.toString();
    try { history.replaceState(null, "", qs ? "?" + qs : location.pathname); } catch (e) { /* file:// */ }
  }
  function cnDate(iso) {  /* 2024-06-13 → 2024年6月13日, as the rest of the site prints dates */
    var p = iso.split("-");
    return p.length === 3 ? p[0] + "年" + Number(p[1]) + "月" + Number(p[2]) + "日" : iso;
  }
  /* The site's badge classes (templates/_macros.html), so a status looks the same everywhere. */
  var STATUS_CODES = { "现行有效": "in_force", "已修改": "amended", "已废止": "repealed", "已被替代": "replaced",
    "已失效": "expired" };
  function span(parent, className, text) {
    var el = document.createElement("span");
    el.className = className; el.textContent = text;
    parent.appendChild(el);
    return el;
  }
  function renderMore(token) {
    var m = state.meta, batch = state.ids.slice(state.shown, state.shown + PAGE_SIZE);
    state.shown += batch.length;
    more.hidden = state.shown >= state.ids.length;
    /* A document's head file names it too: the first results need no names shard. */
    return Promise.all(batch.map(function (d) { return loadDoc(m, d, state.words); })).then(function (docs) {
      if (token !== state.token) return;
      batch.forEach(function (d, i) {
        var doc = docs[i], rec = record(m, d, [doc.url, doc.title, doc.doc_number, doc.in_collection]);
        var li = document.createElement("li");
        li.className = "gb-result";
        var h = document.createElement("h2"), a = document.createElement("a");
        a.href = href(rec.url);
        fillMarked(a, matchRanges(rec.title, state.words), 0, Array.from(rec.title).length);
        h.appendChild(a); li.appendChild(h);
        var info = document.createElement("p"); info.className = "gb-info";
        if (rec.doc_number) span(info, "doc-number", rec.doc_number);
        if (rec.issuers.length) span(info, "gb-issuer", rec.issuers.join("、"));
        if (rec.date.length > 4) {
          var date = document.createElement("time"); date.dateTime = rec.date; date.textContent = cnDate(rec.date);
          info.appendChild(date);
        } else if (rec.year) span(info, "gb-year", rec.year + "年");
        if (!rec.in_collection) span(info, "badge not-collected", "未收录全文");
        span(info, "gb-badge badge status-" + (STATUS_CODES[rec.status] || "expired"), rec.status);
        li.appendChild(info);
        var snip = document.createElement("p"); snip.className = "gb-snippet"; li.appendChild(snip);
        list.appendChild(li);
        if (!containsAll(doc, state.words)) li.hidden = true;  // all its bigrams, but not the words themselves
        else if (rec.in_collection) snippet(doc, state.words, snip);
        else snip.textContent = "本站未收录此文件的全文：点开标题可查看它的效力状态，以及废止或替代它的文件。";
      });
    });
  }
  /* No result: say so, with what to try (the advice is in the page, shown only then). */
  function noResults(q) {
    statusEl.textContent = "没有找到包含“" + q.trim() + "”的公文。";
    advice.hidden = false;
  }
  function run() {
    var token = ++state.token, q = input.value;
    syncUrl();
    list.textContent = ""; more.hidden = true; advice.hidden = true;
    document.title = q.trim() ? "“" + q.trim() + "”的搜索结果 - " + PAGE_TITLE : PAGE_TITLE;
    if (!queryWords(q).length) { statusEl.textContent = ""; return Promise.resolve(); }
    statusEl.textContent = "正在搜索…";
    return rank(q).then(function (r) {
      if (token !== state.token) return;
      state.ids = applyOptions(r, currentOptions()); state.shown = 0;
      state.words = r.words; state.meta = r.meta;
      if (!state.ids.length) return noResults(q);
      statusEl.textContent = "找到约 " + state.ids.length + " 件公文";
      return renderMore(token);
    }).then(function () {
      if (token !== state.token) return;
      app.setAttribute("data-state", "done");
      /* The exact count needs every candidate's text: fetched after the first results are shown. */
      if (state.ids.length && (state.ids.length <= EXACT_COUNT_UP_TO || decided(state.words))) {
        verify(state.meta, state.ids, state.words).then(function (exact) {
          if (token !== state.token) return;
          if (exact.length) statusEl.textContent = "找到 " + exact.length + " 件公文";
          else noResults(q);
        });
      }
    }).catch(function (e) {
      if (token === state.token) { statusEl.textContent = "搜索出错：" + e.message; app.setAttribute("data-state", "error"); }
    });
  }
  var timer = null;
  form.addEventListener("submit", function (e) { e.preventDefault(); clearTimeout(timer); run(); });
  input.addEventListener("input", function () {
    clearTimeout(timer); timer = setTimeout(run, 250);
  });
  Array.prototype.forEach.call(form.querySelectorAll("select"), function (el) {
    el.addEventListener("change", function () { run(); });
  });
  more.addEventListener("click", function () { renderMore(state.token); });

  /* On a phone the five filters would push the results below the fold: folded until asked for. */
  var options = app.querySelector(".gb-options");
  if (options && window.matchMedia && matchMedia("(max-width: 600px)").matches) options.open = false;

  var params = new URLSearchParams(location.search);
  FILTERS.concat(["sort"]).forEach(function (f) {
    if (params.get(f) && form.elements[f]) {
      form.elements[f].value = params.get(f);
      if (options) options.open = true;  // a filter in force is shown
    }
  });
  warmUp();
  if (params.get("q")) { input.value = params.get("q"); run(); }

  /* Load the engine (pagefind.js, its WebAssembly, its meta index) and meta at once: while the
   * reader is still typing, as Pagefind's own UI does, so that the first query only fetches its
   * terms; or side by side, when the page opens with ?q=. */
  function warmUp() {
    meta().catch(function () { /* reported by the search that needs it */ });
    /* A search for a token before the first one of any index ("00" would be a code point below
     * 36, none of which is a letter or digit) loads no chunk but runs Pagefind's whole search
     * path once: its first run costs tens of milliseconds more than later ones. */
    pagefind().then(function (pf) { return pf.init().then(function () { return pf.search("00000000"); }); })
      .catch(function () {});
  }
})();
