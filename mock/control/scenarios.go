package control

import (
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/alipay-mock/alipay-mock/mock/journal"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// MaxScenarioBytes bounds an uploaded scenario file.
const MaxScenarioBytes = 1 << 20

// GlobalScope names, in the control API, the scenarios that apply to every
// app (the engine's scope "").
const GlobalScope = "global"

// listScenarios lists the scenarios in force by scope: an app_id, or
// GlobalScope.
func (a *API) listScenarios(c echo.Context) error {
	out := a.Scenarios.List()
	if g, ok := out[""]; ok {
		delete(out, "")
		out[GlobalScope] = g
	}
	return c.JSON(http.StatusOK, out)
}

// scope reads ?app_id= as a scenario scope: absent or GlobalScope is the
// global one.
func scope(c echo.Context) string {
	if app := c.QueryParam("app_id"); app != GlobalScope {
		return app
	}
	return ""
}

// readScenario parses the YAML body; ?app_id= scopes it (over the file's own).
func (a *API) readScenario(c echo.Context) (*scenarios.File, error) {
	b, err := io.ReadAll(io.LimitReader(c.Request().Body, MaxScenarioBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxScenarioBytes {
		return nil, errors.New("scenario file over 1 MiB")
	}
	name := c.QueryParam("name")
	if name == "" {
		name = "uploaded"
	}
	f, err := scenarios.Parse(name+".yaml", b, a.Methods)
	if err != nil {
		return nil, err
	}
	if app := scope(c); app != "" {
		if _, ok := a.Apps.Get(app); !ok {
			return nil, errors.New("no app " + app)
		}
		f.AppID = app
	}
	return f, nil
}

func (a *API) scenarioError(c echo.Context, err error) error {
	var ps scenarios.Problems
	if errors.As(err, &ps) {
		return c.JSON(http.StatusBadRequest, map[string]any{"error": "invalid scenario", "problems": ps})
	}
	return fail(c, http.StatusBadRequest, err)
}

// putScenario replaces every scenario of the app_id's scope with the body.
func (a *API) putScenario(c echo.Context) error {
	f, err := a.readScenario(c)
	if err != nil {
		return a.scenarioError(c, err)
	}
	a.Scenarios.Replace(f.AppID, f)
	return c.JSON(http.StatusOK, f)
}

// addScenario puts the body in force after those already loaded.
func (a *API) addScenario(c echo.Context) error {
	f, err := a.readScenario(c)
	if err != nil {
		return a.scenarioError(c, err)
	}
	a.Scenarios.Add(f)
	return c.JSON(http.StatusCreated, f)
}

// clearScenarios removes the scenarios of ?app_id= (the global scope when
// absent), or of every scope with ?all=true.
func (a *API) clearScenarios(c echo.Context) error {
	a.Scenarios.Clear(scope(c), c.QueryParam("all") == "true")
	return c.JSON(http.StatusOK, map[string]string{"status": "cleared"})
}

// listJournal lists entries newest first, one page at a time, like
// listTrades; the cursor is the id the next page starts below.
func (a *API) listJournal(c echo.Context) error {
	failed, err := flag(c, "failed")
	if err != nil {
		return fail(c, http.StatusBadRequest, err)
	}
	pg, err := readPage(c, "journal")
	if err != nil {
		return fail(c, http.StatusBadRequest, err)
	}
	list, next := a.Journal.Page(journal.Filter{AppID: c.QueryParam("app_id"), Method: c.QueryParam("method"),
		Failed: failed, Before: int(pg.After), Limit: pg.Limit})
	nextPage(c, "journal", uint64(next))
	return c.JSON(http.StatusOK, list)
}

func (a *API) getJournal(c echo.Context) error {
	id, _ := strconv.Atoi(c.Param("id"))
	e, ok := a.Journal.Get(id)
	if !ok {
		return fail(c, http.StatusNotFound, errors.New("no journal entry "+c.Param("id")))
	}
	return c.JSON(http.StatusOK, e)
}

func (a *API) clearJournal(c echo.Context) error {
	a.Journal.Clear(c.QueryParam("app_id"))
	return c.JSON(http.StatusOK, map[string]string{"status": "cleared"})
}
