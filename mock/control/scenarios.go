package control

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/alipay-mock/alipay-mock/mock/journal"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// MaxScenarioBytes bounds an uploaded scenario file.
const MaxScenarioBytes = 1 << 20

// MaxScenarioName bounds ?name= of an upload, in bytes: the name becomes
// the file's path and, without a name: key, its name, both kept in force.
const MaxScenarioName = 255

// errScenarioTooLarge is an upload over MaxScenarioBytes: 413, as every
// body over its bound.
var errScenarioTooLarge = errors.New("scenario file over 1 MiB")

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

// readScenario parses the YAML body; ?app_id= scopes it (over the file's
// own, ?app_id=global too). The scope, either way, and each rule's
// when.app_id must name an app: a typo would be a scenario that never acts.
func (a *API) readScenario(c echo.Context) (*scenarios.File, error) {
	b, err := io.ReadAll(io.LimitReader(c.Request().Body, MaxScenarioBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxScenarioBytes {
		return nil, errScenarioTooLarge
	}
	if err := sentAsForm(c.Request(), b); err != nil {
		return nil, err
	}
	name := c.QueryParam("name")
	if name == "" {
		name = "uploaded"
	}
	if len(name) > MaxScenarioName {
		return nil, fmt.Errorf("name is %d bytes, over the limit of %d", len(name), MaxScenarioName)
	}
	f, err := scenarios.Parse(name+".yaml", b, a.Methods)
	if err != nil {
		return nil, uploadError{err, c.Request(), b}
	}
	if _, given := c.QueryParams()["app_id"]; given {
		// ?app_id=global too: the query's scope wins over the file's; a
		// rule's when.app_id of another app could then never match.
		if err := f.Scope(scope(c)); err != nil {
			return nil, err
		}
	}
	if f.AppID != "" {
		if _, ok := a.Apps.Get(f.AppID); !ok {
			return nil, errors.New("no app " + f.AppID)
		}
	}
	// A rule's own app_id is a scope too: a typo there never acts.
	for _, r := range f.Rules {
		if w := r.When.AppID; w != "" {
			if _, ok := a.Apps.Get(w); !ok {
				return nil, fmt.Errorf("no app %s (rule %s, when.app_id)", w, r.Name)
			}
		}
	}
	return f, nil
}

// curlForm is what the answer says when a scenario came the way curl -d
// sends a file.
const curlForm = "the body came as a form (Content-Type: %s) without line breaks: curl -d strips them from a file; " +
	"send it with --data-binary @FILE -H 'Content-Type: application/yaml'"

// sentAsForm refuses a multipart upload (curl -F), whose parts are not
// the file, and tells how to send one.
func sentAsForm(r *http.Request, body []byte) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		return errors.New("the body came as multipart/form-data (curl -F); send the file itself with --data-binary @FILE -H 'Content-Type: application/yaml'")
	}
	return nil
}

// uploadError is a refused upload with what explains it best: a body that
// curl -d flattened (form type, no line break) gets the way to send it
// before the YAML problems that follow from the flattening.
type uploadError struct {
	err  error
	r    *http.Request
	body []byte
}

func (e uploadError) Error() string { return e.err.Error() }
func (e uploadError) Unwrap() error { return e.err }

func (e uploadError) hint() string {
	mt, _, _ := mime.ParseMediaType(e.r.Header.Get("Content-Type"))
	if mt == "application/x-www-form-urlencoded" && !bytes.ContainsAny(e.body, "\r\n") {
		return fmt.Sprintf(curlForm, mt)
	}
	return ""
}

func (a *API) scenarioError(c echo.Context, err error) error {
	var ps scenarios.Problems
	if errors.As(err, &ps) {
		msg := "invalid scenario"
		var ue uploadError
		if errors.As(err, &ue) && ue.hint() != "" {
			msg = ue.hint()
		}
		return c.JSON(http.StatusBadRequest, map[string]any{"error": msg, "problems": ps})
	}
	if errors.Is(err, errScenarioTooLarge) {
		return fail(c, http.StatusRequestEntityTooLarge, err)
	}
	return fail(c, http.StatusBadRequest, err)
}

// notInForce answers a scenario file the engine did not put in force: past
// a bound on what is in force (413), or the store failed (503).
func notInForce(c echo.Context, err error) error {
	if errors.Is(err, scenarios.ErrTooMuchSource) || errors.Is(err, scenarios.ErrTooMuchRegex) {
		return fail(c, http.StatusRequestEntityTooLarge, err)
	}
	return unavailable(c, err)
}

// putScenario replaces every scenario of the app_id's scope with the body
// (the built-in magic amounts stay).
func (a *API) putScenario(c echo.Context) error {
	f, err := a.readScenario(c)
	if err != nil {
		return a.scenarioError(c, err)
	}
	if err := a.Scenarios.Replace(f.AppID, f); err != nil {
		return notInForce(c, err)
	}
	scenarios.Log(a.Log, f, "control API PUT")
	return c.JSON(http.StatusOK, f)
}

// addScenario puts the body in force after those already loaded.
func (a *API) addScenario(c echo.Context) error {
	f, err := a.readScenario(c)
	if err != nil {
		return a.scenarioError(c, err)
	}
	if err := a.Scenarios.Add(f); err != nil {
		return notInForce(c, err)
	}
	scenarios.Log(a.Log, f, "control API POST")
	return c.JSON(http.StatusCreated, f)
}

// clearScenarios removes the scenarios of ?app_id= (the global scope when
// absent), or of every scope with ?all=true. The built-in magic amounts
// stay, and the answer says so: only --no-magic-amounts turns them off.
func (a *API) clearScenarios(c echo.Context) error {
	all, err := flag(c, "all")
	if err != nil {
		return fail(c, http.StatusBadRequest, err)
	}
	app := scope(c)
	if _, ok := a.Apps.Get(app); app != "" && !ok {
		return fail(c, http.StatusNotFound, errors.New("no app "+app))
	}
	kept, err := a.Scenarios.Clear(app, all)
	if err != nil {
		return unavailable(c, err) // the store failed: not cleared
	}
	if len(kept) == 0 {
		return c.JSON(http.StatusOK, map[string]any{"status": "cleared"})
	}
	return c.JSON(http.StatusOK, map[string]any{"status": "cleared", "kept": kept,
		"note": "built-in scenarios stay in force (the magic amounts); start the mock with --no-magic-amounts to turn them off"})
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
	list, next, err := a.Journal.Page(journal.Filter{AppID: c.QueryParam("app_id"), Method: c.QueryParam("method"),
		Failed: failed, Verified: c.QueryParam("failed") == "false", Before: int(pg.After), Limit: pg.Limit})
	if err != nil {
		return fail(c, http.StatusServiceUnavailable, err) // the shared store failed: not an empty journal
	}
	nextPage(c, "journal", uint64(next))
	return streamList(c, http.StatusOK, list)
}

func (a *API) getJournal(c echo.Context) error {
	id, _ := strconv.Atoi(c.Param("id"))
	e, ok, err := a.Journal.Get(id)
	if err != nil {
		return fail(c, http.StatusServiceUnavailable, err)
	}
	if !ok {
		return fail(c, http.StatusNotFound, errors.New("no journal entry "+c.Param("id")))
	}
	return rawJSON(c, http.StatusOK, e) // <, > and & as the list writes them
}

func (a *API) clearJournal(c echo.Context) error {
	if err := a.Journal.Clear(c.QueryParam("app_id")); err != nil {
		return fail(c, http.StatusServiceUnavailable, err) // the shared store failed: nothing was cleared there
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "cleared"})
}
