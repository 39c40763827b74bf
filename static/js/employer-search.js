// Employer search for the worker forms: a box above each employer list fetches the units
// in the user's scope by name or credit code (units/search.json) and refills the list.
// Choosing a unit preselects its union in the enrollment form when the unit has one.
(function () {
  "use strict";

  function debounce(fn, wait) {
    var timer = null;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, wait);
    };
  }

  function setup(select) {
    var url = select.getAttribute("data-employer-search");
    var unionSelect = select.form ? select.form.querySelector("select[name=union]") : null;
    var unions = {};
    var box = document.createElement("input");
    box.type = "search";
    box.className = "form-control form-control-sm mb-1";
    box.placeholder = select.getAttribute("data-search-placeholder") || "…";
    box.setAttribute("aria-label", box.placeholder);
    box.setAttribute("data-testid", "employer-search");
    select.parentNode.insertBefore(box, select);

    function fill(results) {
      var keep = select.value;
      var keptOption = keep ? select.querySelector("option[value='" + keep + "']") : null;
      while (select.options.length > 1) { select.remove(1); }
      var seen = {};
      results.forEach(function (unit) {
        var option = document.createElement("option");
        option.value = String(unit.id);
        option.textContent = unit.label;
        select.appendChild(option);
        seen[option.value] = true;
        unions[option.value] = unit.union;
      });
      if (keptOption && !seen[keep]) { select.appendChild(keptOption); }
      select.value = keep;
      if (!keep && results.length === 1) {
        select.value = String(results[0].id);
        select.dispatchEvent(new Event("change"));
      }
    }

    var search = debounce(function (q) {
      fetch(url + "?q=" + encodeURIComponent(q), {
        credentials: "same-origin", headers: { "Accept": "application/json" }
      }).then(function (response) {
        return response.ok ? response.json() : { results: [] };
      }).then(function (data) { fill(data.results || []); });
    }, 250);

    box.addEventListener("input", function () { search(box.value.trim()); });
    select.addEventListener("change", function () {
      var chosen = select.options[select.selectedIndex];
      var union = unions[select.value] || (chosen && chosen.getAttribute("data-union"));
      if (unionSelect && union && !unionSelect.value) {
        unionSelect.value = String(union);
      }
    });
  }

  document.querySelectorAll("select[data-employer-search]").forEach(setup);
})();
