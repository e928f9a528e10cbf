/* gongbao-live: the preview's live reload. `gongbao serve` adds this script to the pages it serves;
 * it is never written into a built site or a bundle. */
(function () {
  "use strict";
  var token = document.currentScript.getAttribute("data-page");
  var BOX_ID = "gongbao-live-problems";
  var last = null, leading = false, dismissed = -1;

  function hideProblems() {
    var box = document.getElementById(BOX_ID);
    if (box) box.remove();
  }

  /* Every line goes in as text: file names and messages can hold anything, and none of it is markup. */
  function showProblems(state) {
    hideProblems();
    var box = document.createElement("section");
    box.id = BOX_ID;
    box.lang = "zh-CN";
    box.setAttribute("role", "alert");
    box.style.cssText = "position:fixed;z-index:2147483647;top:0;left:0;right:0;max-height:70vh;overflow:auto;" +
      "margin:0;padding:16px 20px;background:#fff;color:#1a1a1a;border-bottom:4px solid #b00020;" +
      "box-shadow:0 4px 16px rgba(0,0,0,.3);font:16px/1.6 system-ui,sans-serif;text-align:left";
    var title = document.createElement("h2");
    title.style.cssText = "margin:0 0 8px;font-size:18px;color:#b00020";
    title.textContent = "网站未能重新构建" + (state.problems.length ? "（" + state.problems.length + " 个问题）" : "");
    var summary = document.createElement("p");
    summary.style.cssText = "margin:0 0 8px";
    summary.textContent = state.failure;
    var note = document.createElement("p");
    note.style.cssText = "margin:0 0 8px";
    note.textContent = "修正以下问题并保存后，页面会自动刷新；在此之前显示的是上次成功构建的网站。";
    var list = document.createElement("ul");
    list.style.cssText = "margin:0 0 12px;padding-left:1.5em;font-family:ui-monospace,monospace;white-space:pre-wrap;word-break:break-all";
    state.problems.forEach(function (line) {
      var item = document.createElement("li");
      item.textContent = line;
      list.appendChild(item);
    });
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "关闭";
    close.setAttribute("aria-label", "关闭构建问题提示");
    close.style.cssText = "font:inherit;padding:4px 16px;cursor:pointer";
    close.addEventListener("click", function () { dismissed = state.generation; hideProblems(); });
    box.append(title, summary, note, list, close);
    document.body.appendChild(box);
  }

  /* A good build reloads this page only when it would now look different (its own bytes, the site's
   * styles and scripts, the data beside it): the server answers HEAD with the token it would now
   * put in this page. */
  function apply(state) {
    last = state;
    if (state.failure) {
      if (state.generation !== dismissed) showProblems(state);
      return;
    }
    hideProblems();
    fetch(location.pathname + location.search, { method: "HEAD", cache: "no-store" }).then(function (r) {
      var now = r.headers.get("X-Gongbao-Page");
      if (now && now !== token) location.reload();
    }, function () { /* the server is stopped or restarting: the event stream reconnects by itself */ });
  }

  function listen(channel) {
    new EventSource("/__gongbao/events").onmessage = function (e) {
      var state = JSON.parse(e.data);
      apply(state);
      if (channel) channel.postMessage(state);
    };
  }

  /* A browser allows about six connections to one server, and each event stream holds one: so one tab
   * (the holder of a lock) listens and passes each build on to the others. Web Locks exist only on
   * 127.0.0.1 / localhost (a secure context); over --bind every tab listens for itself. */
  if (window.BroadcastChannel && navigator.locks) {
    var channel = new BroadcastChannel("gongbao-live");
    channel.onmessage = function (e) {
      if (e.data !== "hello") apply(e.data);
      else if (leading && last) channel.postMessage(last);
    };
    navigator.locks.request("gongbao-live", function () {
      leading = true;
      listen(channel);
      return new Promise(function () {});
    });
    channel.postMessage("hello");
  } else {
    listen(null);
  }
})();
