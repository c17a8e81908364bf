package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// Health answers the load balancer.
func Health(c echo.Context) error { return c.String(http.StatusOK, "ok") }
