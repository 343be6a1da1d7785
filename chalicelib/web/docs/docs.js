// Swagger UI on this API's own OpenAPI document (served beside this page, so relative).
window.ui = SwaggerUIBundle({
  url: "openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  layout: "BaseLayout",
  tryItOutEnabled: true,
});
