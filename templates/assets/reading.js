/* gongbao reading aids, on every page: the 字号 control, the 打印 button, the print date, and the
 * cue on a table wider than its box. A classic script at the top of <body>: the chosen size is
 * applied before anything is drawn, and it works from file:// (Chromium keeps localStorage for
 * file:// pages as well). Without JavaScript the page is whole; only these aids are absent
 * (style.css shows them under html.js). */
(function () {
  "use strict";
  var KEY = "gongbao-font-size", SIZES = ["standard", "large", "x-large"];
  var root = document.documentElement;
  root.classList.add("js");

  function stored() {
    try { return localStorage.getItem(KEY); } catch (e) { return null; }  // storage refused: per page only
  }
  function apply(size) {
    root.setAttribute("data-font-size", SIZES.indexOf(size) >= 0 ? size : SIZES[0]);
  }
  apply(stored());

  function pressed() {
    var size = root.getAttribute("data-font-size");
    each("[data-size]", function (b) { b.setAttribute("aria-pressed", String(b.getAttribute("data-size") === size)); });
  }
  function each(selector, f) { Array.prototype.forEach.call(document.querySelectorAll(selector), f); }

  /* A wide table scrolls inside its box; data-scroll shows the cue (style.css) while there is more
   * to see on the right. */
  function tableCues() {
    each(".table-wrap", function (box) {
      var more = box.scrollWidth - box.clientWidth - box.scrollLeft > 1;
      if (more) box.setAttribute("data-scroll", "more"); else box.removeAttribute("data-scroll");
    });
  }

  function cnDate(d) { return d.getFullYear() + "年" + (d.getMonth() + 1) + "月" + d.getDate() + "日"; }
  /* The day in Beijing, as status.js reckons the statuses printed beside it (else the reader's own). */
  function printDate() {
    var today = window.gongbaoStatus && window.gongbaoStatus.today, p = today ? today.split("-") : null;
    var shown = p ? Number(p[0]) + "年" + Number(p[1]) + "月" + Number(p[2]) + "日" : cnDate(new Date());
    each("[data-print-date]", function (el) { el.textContent = "　打印日期：" + shown; el.hidden = false; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    pressed();
    each("[data-size]", function (b) {
      b.addEventListener("click", function () {
        apply(b.getAttribute("data-size"));
        try { localStorage.setItem(KEY, root.getAttribute("data-font-size")); } catch (e) { /* this page only */ }
        pressed();
        tableCues();
      });
    });
    each("[data-print]", function (b) { b.addEventListener("click", function () { window.print(); }); });
    printDate();
    tableCues();
    each(".table-wrap", function (box) { box.addEventListener("scroll", tableCues, { passive: true }); });
  });
  window.addEventListener("resize", tableCues);
  window.addEventListener("beforeprint", printDate);
  /* Another tab changed the size: follow it. */
  window.addEventListener("storage", function (e) { if (e.key === KEY) { apply(e.newValue); pressed(); } });
})();
