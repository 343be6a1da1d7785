"""HTTP routes, one blueprint per resource. Handlers parse, call one function, shape the answer."""
