// gouji report: sortable and filterable tables, finding details on click.
(function () {
  document.querySelectorAll("table.sortable").forEach(function (t) {
    t.querySelectorAll("thead th").forEach(function (th, i) {
      th.addEventListener("click", function () {
        var asc = !th.classList.contains("asc");
        t.querySelectorAll("thead th").forEach(function (h) { h.classList.remove("asc", "desc"); });
        th.classList.add(asc ? "asc" : "desc");
        var num = th.dataset.type === "num";
        var body = t.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[i].textContent, y = b.cells[i].textContent;
          var c = num ? (parseFloat(x) || 0) - (parseFloat(y) || 0) : x.localeCompare(y, "zh");
          return asc ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
  var f = document.getElementById("filter");
  if (f) {
    f.addEventListener("input", function () {
      var q = f.value.toLowerCase();
      document.querySelectorAll("#reports tbody tr").forEach(function (r) {
        r.style.display = r.textContent.toLowerCase().indexOf(q) >= 0 ? "" : "none";
      });
    });
  }
  var data = document.getElementById("findings-data");
  if (data) details(JSON.parse(data.textContent));
  // Tests wait for this: the page's script ran to the end.
  document.body.dataset.ready = "1";
  function details(findings) {
  var detail = document.getElementById("detail");
  function show(ids) {
    document.querySelectorAll(".sel").forEach(function (e) { e.classList.remove("sel"); });
    var html = "";
    ids.forEach(function (id) {
      var g = findings[id];
      if (!g) return;
      html += "<p><b>" + g.rule + "</b> (" + g.severity + ") expected " + g.expected +
        ", found " + g.found + "<br>" + g.parts + "<br>" + g.message + "</p>";
      var el = document.getElementById("f" + id);
      if (el) el.classList.add("sel");
      g.cells.forEach(function (k) {
        var c = document.querySelector('td[data-key="' + k + '"]');
        if (c) c.classList.add("sel");
      });
    });
    detail.innerHTML = html;
    detail.style.display = html ? "block" : "none";
  }
  // Safe: the JSON is built from escaped text (see page.rs).
  document.querySelectorAll("td[data-findings]").forEach(function (td) {
    td.addEventListener("click", function () { show(td.dataset.findings.split(" ")); });
  });
  document.querySelectorAll(".finding").forEach(function (d) {
    d.addEventListener("click", function () { show([d.dataset.id]); });
  });
  }
})();
