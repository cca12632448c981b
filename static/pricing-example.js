// The example pricing page: one Contact Sales widget per plan card. A team's own dashboard
// would pass an end-user token (options.token); here the signed-in staff session is used.
(function () {
  "use strict";
  document.querySelectorAll("[data-contact-sales]").forEach(function (button) {
    var card = button.closest(".plan");
    var qty = card.querySelector("input[name=quantity]");
    var options = {
      plan: button.getAttribute("data-plan"),
      quantity: parseInt(qty.value, 10) || 1,
      source: "dashboard_pricing",
      page: "/pricing",
      csrfToken: document.body.getAttribute("data-csrf"),
      salesEmail: document.getElementById("pricing-example").getAttribute("data-sales-email"),
      analyticsEndpoint: "/api/v1/analytics/events",
      timeoutMs: 8000,
    };
    qty.addEventListener("input", function () { options.quantity = parseInt(qty.value, 10) || 1; });
    window.LeadboxContactSales.attach(button, options);
  });
})();
