package web

import (
	"os"
	"path/filepath"

	"github.com/persona-app/persona/handlers"
)

// routes is the whole URL map of Persona in one place. Groups carry the guards: read
// routes need a signed-in user of any role; write routes refuse managers; admin routes
// need an admin; /api/v1 needs an API key; /t and /u are public and authorised by the
// signed token in the URL.
func (s *Server) routes() {
	e, d := s.echo, s.deps
	base := handlers.Base{Sessions: s.sessions, Logger: s.logger, Now: d.Now}
	auth := &handlers.Auth{Base: base, Accounts: d.Accounts}
	admin := &handlers.Admin{Base: base, Accounts: d.Accounts}
	dash := &handlers.Dashboard{Base: base, Campaigns: d.Campaigns, Customers: d.Customers, Recsys: d.Recsys}
	cust := &handlers.Customers{Base: base, Customers: d.Customers, Recsys: d.Recsys, Propensity: d.Propensity, Clusters: d.Clusters}
	imp := &handlers.Imports{Base: base, Customers: d.Customers, Jobs: d.Imports, Dir: filepath.Join(os.TempDir(), "persona-uploads")}
	seg := &handlers.Segments{Base: base, Segments: d.Segments}
	tpl := &handlers.MessageTemplates{Base: base, Templates: d.Templates, Campaigns: d.Campaigns, Customers: d.Customers}
	camp := &handlers.Campaigns{Base: base, Campaigns: d.Campaigns, Segments: d.Segments, Templates: d.Templates}
	out := &handlers.Outbox{Base: base, Outbox: d.Outbox}
	track := &handlers.Tracking{Base: base, Campaigns: d.Campaigns}
	models := &handlers.Models{Base: base, Trainer: d.Trainer, Propensity: d.Propensity, Recsys: d.Recsys, Clusters: d.Clusters, Campaigns: d.Campaigns}
	api := &handlers.API{Base: base, Customers: d.Customers, Recsys: d.Recsys, Campaigns: d.Campaigns}

	e.GET("/static/*", staticHandler())
	e.GET("/healthz", handlers.Health)

	// Public tracking links inside messages.
	e.GET("/t/c/:token", track.Click)
	e.GET("/t/o/:token", track.Open)
	e.GET("/u/:token", track.UnsubscribePage)
	e.POST("/u/:token", track.Unsubscribe)

	// Machine API.
	v1 := e.Group("/api/v1", s.apiKeyAuth)
	v1.POST("/customers", api.PostCustomers)
	v1.POST("/products", api.PostProducts)
	v1.POST("/orders", api.PostOrders)
	v1.POST("/events", api.PostEvents)
	v1.GET("/customers/:id/recommendations", api.Recommendations)
	v1.GET("/campaigns", api.ListCampaigns)
	v1.POST("/campaigns/:id/send", api.SendCampaign)
	v1.GET("/campaigns/:id/stats", api.CampaignStats)

	// Browser routes: session cookie, CSRF on every form.
	ui := e.Group("", s.csrf(), s.loadUser)
	ui.GET("/login", auth.LoginForm)
	ui.POST("/login", auth.Login, s.loginLimiter())
	ui.POST("/logout", auth.Logout)

	read := ui.Group("", requireLogin)
	write := ui.Group("", requireLogin, requireWriter)
	adm := ui.Group("/admin", requireLogin, requireAdmin)

	read.GET("/", dash.Show)

	read.GET("/customers", cust.List)
	read.GET("/customers/:id", cust.Show)
	read.GET("/customers/:id/recommendations", cust.Recommendations)

	write.GET("/imports/new", imp.New)
	write.POST("/imports", imp.Upload)
	write.POST("/imports/:upload/start", imp.Start)
	write.GET("/imports/jobs/:id", imp.Job)

	read.GET("/segments", seg.List)
	write.GET("/segments/new", seg.New)
	write.POST("/segments", seg.Create)
	write.POST("/segments/count", seg.Count)
	read.GET("/segments/:id", seg.Show)
	read.GET("/segments/:id/members.csv", seg.Export)
	write.GET("/segments/:id/edit", seg.Edit)
	write.POST("/segments/:id", seg.Update)
	write.POST("/segments/:id/delete", seg.Delete)

	read.GET("/templates", tpl.List)
	write.GET("/templates/new", tpl.New)
	write.POST("/templates", tpl.Create)
	write.POST("/templates/preview", tpl.Preview)
	write.GET("/templates/:id/edit", tpl.Edit)
	write.POST("/templates/:id", tpl.Update)
	write.POST("/templates/:id/delete", tpl.Delete)

	read.GET("/campaigns", camp.List)
	write.GET("/campaigns/new", camp.New)
	write.POST("/campaigns", camp.Create)
	write.POST("/campaigns/cron", camp.CronPreview)
	read.GET("/campaigns/:id", camp.Show)
	read.GET("/campaigns/:id/progress", camp.Progress)
	write.GET("/campaigns/:id/edit", camp.Edit)
	write.POST("/campaigns/:id", camp.Update)
	write.POST("/campaigns/:id/launch", camp.Launch)
	write.POST("/campaigns/:id/run/:action", camp.RunAction)
	write.POST("/campaigns/:id/delete", camp.Delete)

	read.GET("/models", models.Show)
	read.GET("/models/recommender", models.Recommender)
	read.GET("/models/:model/status", models.Status)
	write.POST("/models/:model/train", models.Train)

	read.GET("/outbox", out.List)
	read.GET("/outbox/:id", out.Show)

	adm.GET("/users", admin.Users)
	adm.POST("/users", admin.CreateUser)
	adm.POST("/users/:id/role", admin.UpdateUserRole)
	adm.POST("/users/:id/delete", admin.DeleteUser)
	adm.GET("/apikeys", admin.APIKeys)
	adm.POST("/apikeys", admin.CreateAPIKey)
	adm.POST("/apikeys/:id/revoke", admin.RevokeAPIKey)
}
