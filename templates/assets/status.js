/* gongbao — statuses as of the day a page is read, not the day it was built.
 *
 * A page says the status of each document on the build's as-of date (<html data-status-as-of>), and
 * after it, in <template data-status-on="YYYY-MM-DD"> elements inside a [data-status-changes] element,
 * each status the document is known to take later (a repeal taking effect, an `expires` date passing),
 * rendered by the build. On a later day this script puts the newest of those that has begun in place
 * of the build's, and the footer's date becomes today's. Without JavaScript the page keeps the build's
 * statuses and its footer names their date. Documents published after the build need a rebuild.
 *
 * A classic script (it runs from file:// too), loaded before search.js, which reads
 * window.gongbaoStatus.today to apply the same changes to search results and filters.
 */
(function () {
  "use strict";
  // The gazette's dates are Beijing dates: a repeal "from 2024-08-01" begins at midnight there.
  var ZONE = "Asia/Shanghai";

  function today() {
    var parts = {};
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: ZONE, year: "numeric", month: "2-digit", day: "2-digit" })
        .formatToParts(new Date()).forEach(function (p) { parts[p.type] = p.value; });
      return parts.year + "-" + parts.month + "-" + parts.day;
    } catch (e) {  // a browser without time zone data: the reader's own date
      var d = new Date();
      return d.getFullYear() + "-" + ("0" + (d.getMonth() + 1)).slice(-2) + "-" + ("0" + d.getDate()).slice(-2);
    }
  }

  /* 2024-08-01 → 2024年8月1日, as the gazette (and render.cn_date) prints dates. */
  function cnDate(iso) {
    var p = iso.split("-");
    return Number(p[0]) + "年" + Number(p[1]) + "月" + Number(p[2]) + "日";
  }

  var day = today(), asOf = document.documentElement.getAttribute("data-status-as-of");
  window.gongbaoStatus = { today: day, asOf: asOf };
  if (!asOf || day <= asOf) return;

  var changing = document.querySelectorAll("[data-status-changes]");
  for (var i = 0; i < changing.length; i++) {
    var el = changing[i], latest = null;
    for (var c = el.firstElementChild; c; c = c.nextElementSibling) {
      // Templates are in date order: the last one that has begun is today's status.
      if (c.tagName === "TEMPLATE" && c.getAttribute("data-status-on") <= day) latest = c;
    }
    if (!latest) continue;
    for (var n = el.firstChild; n && n.tagName !== "TEMPLATE";) {
      var next = n.nextSibling;
      el.removeChild(n);
      n = next;
    }
    el.insertBefore(latest.content.cloneNode(true), el.firstChild);
  }

  // The footer's date, and on paper the print head's.
  var stamps = document.querySelectorAll("time.status-as-of");
  for (var i = 0; i < stamps.length; i++) {
    stamps[i].setAttribute("datetime", day);
    stamps[i].textContent = cnDate(day);
    stamps[i].title = "本页生成于" + cnDate(asOf) + "；此后发布的文件须重新生成网站后才会显示";
  }
})();
