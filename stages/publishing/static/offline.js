// Offline: links the web app manifest, registers the service worker (sw.js, at the site's top, so that it serves
// every page of the guide), keeps this page's language's pages once it runs, keeps a narration once it is played, and
// saves the whole tour when the visitor presses the index's button, which says the download's size first.
// From file://, where no service worker can run and Chromium refuses to fetch a manifest (with an error in the
// console), it does nothing and the save section stays hidden: the guide works as it always has.
(function () {
  "use strict";
  if (!/^https?:$/.test(location.protocol)) return;
  var root = new URL("../", document.currentScript.src).href;  // this script is <top>/assets/offline.js
  var manifest = document.createElement("link");
  manifest.rel = "manifest";
  manifest.href = root + "manifest.webmanifest";
  document.head.appendChild(manifest);
  if (!("serviceWorker" in navigator) || !window.caches) return;
  var MEDIA = "guide-media " + root;  // the worker's name for it (sw.js): the same scope, the same cache
  var noop = function () {};

  navigator.serviceWorker.register(root + "sw.js", {updateViaCache: "none"}).catch(noop);

  function ask(worker, message) {
    // A question to the worker, answered on a port of our own.
    return new Promise(function (resolve) {
      var channel = new MessageChannel();
      channel.port1.onmessage = function (event) { resolve(event.data); };
      worker.postMessage(message, [channel.port2]);
    });
  }

  var ready = navigator.serviceWorker.ready;
  // This page's language's pages, all of them: a visitor who reached one page can then walk the tour offline.
  var pages = ready.then(function (registration) { return ask(registration.active, {keep: location.href}); });

  function keep(urls) {
    return caches.open(MEDIA).then(function (cache) {
      return Promise.all(urls.map(function (url) {
        return cache.match(url).then(function (hit) { return hit || cache.add(url); });
      }));
    });
  }

  // A narration, and its subtitles, once played: fetched whole once more (the player's own requests are ranges,
  // which no cache keeps) and answered from here from then on.
  var audio = document.getElementById("narration");
  if (audio) {
    var kept = false;
    audio.addEventListener("play", function () {
      if (kept || !audio.currentSrc) return;
      var urls = [audio.currentSrc];
      Array.prototype.forEach.call(audio.querySelectorAll("track[src]"), function (track) { urls.push(track.src); });
      keep(urls).then(function () { kept = true; }, noop);  // offline and not saved: nothing to keep
    });
  }

  var section = document.getElementById("offline");
  if (!section) return;
  var button = section.querySelector("button");
  var bar = section.querySelector("progress");
  var status = section.querySelector("[role=status]");
  var folder = location.href.slice(root.length).split("/");
  folder = folder.length > 1 ? folder[0] : "";  // this index's language folder, or "" for a one-language guide

  function listing() {
    return fetch(root + "offline.json").then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.json();
    });
  }

  function tour(list) {
    // The top folder's files are every language's; the rest, this language's.
    return (list.tour[""] || []).concat(folder ? list.tour[folder] || [] : []).map(function (entry) {
      return {url: new URL(entry[0], root).href, bytes: entry[1]};
    });
  }

  function missing(files) {
    return caches.open(MEDIA).then(function (cache) {
      return Promise.all(files.map(function (file) { return cache.match(file.url); })).then(function (hits) {
        return files.filter(function (file, i) { return !hits[i]; });
      });
    });
  }

  function say(text) {
    bar.hidden = true;
    status.textContent = text;
  }

  var busy = false;
  function save(files) {
    var total = files.reduce(function (sum, file) { return sum + file.bytes; }, 0);
    return missing(files).then(function (todo) {
      var left = todo.reduce(function (sum, file) { return sum + file.bytes; }, 0);
      bar.max = total;
      bar.value = total - left;
      bar.hidden = false;
      status.textContent = "";
      var estimate = navigator.storage && navigator.storage.estimate ? navigator.storage.estimate() : Promise.resolve();
      return estimate.then(function (space) {
        if (space && space.quota && space.quota - space.usage < left) throw new Error("space");
        if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(noop);
        return caches.open(MEDIA);
      }).then(function (cache) {
        var next = 0;
        function worker() {  // three files at a time: steady progress without crowding a slow connection
          if (next >= todo.length) return Promise.resolve();
          var file = todo[next++];
          return fetch(file.url).then(function (response) {
            if (!response.ok) throw new Error(response.status);
            return cache.put(file.url, response);
          }).then(function () {
            bar.value += file.bytes;
            return worker();
          });
        }
        return Promise.all([worker(), worker(), worker(), pages]);
      });
    });
  }

  ready.then(listing).then(function (list) {
    var files = tour(list);
    var size = (list.save[folder] || {}).size;
    if (!files.length || !size) return;
    button.textContent = button.getAttribute("data-label").replace("{size}", size);
    section.hidden = false;
    missing(files).then(function (todo) { if (!todo.length) say(section.getAttribute("data-done")); }, noop);
    button.addEventListener("click", function () {
      if (busy) return;  // aria-disabled, not disabled: the button keeps the keyboard's focus
      busy = true;
      button.setAttribute("aria-disabled", "true");
      save(files).then(function (answers) {
        if (answers[3] === false) throw new Error("pages");  // the worker could not keep this language's pages
      }).then(function () {
        say(section.getAttribute("data-done"));
      }, function (error) {
        say(section.getAttribute(error && error.message === "space" ? "data-no-space" : "data-failed"));
      }).then(function () {
        busy = false;
        button.removeAttribute("aria-disabled");
      });
    });
  }).catch(noop);
})();
