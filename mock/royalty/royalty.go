// Package royalty holds each app's royalty relations (分账关系): the
// receivers a merchant has bound with alipay.trade.royalty.relation.bind
// and may later split a trade's money to.
package royalty

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// Receiver types (alipay-sdk-java-all RoyaltyEntity.type).
const (
	TypeUserID    = "userId"
	TypeLoginName = "loginName"
	TypeOpenID    = "openId"
)

// Limits: MaxPerRequest is production's ("单次传入最多20个");
// MaxPerApp bounds what one app can make the mock keep (the mock's).
const (
	MaxPerRequest = 20
	MaxPerApp     = 1000
)

// Entity is one receiver as requests carry it and batchquery answers it
// (alipay-sdk-java-all RoyaltyEntity).
type Entity struct {
	Type          string `json:"type,omitempty"`
	Account       string `json:"account,omitempty"`
	Name          string `json:"name,omitempty"`
	Memo          string `json:"memo,omitempty"`
	LoginName     string `json:"login_name,omitempty"`
	BindLoginName string `json:"bind_login_name,omitempty"`
	AccountOpenID string `json:"account_open_id,omitempty"`
}

// Request is the biz_content of relation.bind and relation.unbind
// (AlipayTradeRoyaltyRelationBindModel, ...UnbindModel).
type Request struct {
	OutRequestNo string   `json:"out_request_no"`
	ReceiverList []Entity `json:"receiver_list"`
}

// QueryRequest is the biz_content of relation.batchquery
// (AlipayTradeRoyaltyRelationBatchqueryModel).
type QueryRequest struct {
	OutRequestNo string `json:"out_request_no"`
	PageNum      Count  `json:"page_num"`
	PageSize     Count  `json:"page_size"`
}

// Count is a whole number sent as a JSON number or as its text (the
// gateway hands numbers over as text; PHP SDKs send text anyway).
type Count int64

// UnmarshalJSON reads 5 or "5".
func (c *Count) UnmarshalJSON(b []byte) error {
	n, err := strconv.ParseInt(strings.Trim(string(b), `"`), 10, 64)
	if err != nil {
		return &json.UnmarshalTypeError{Value: "string", Type: reflect.TypeFor[Count]()}
	}
	*c = Count(n)
	return nil
}

// Page is one page of an app's relations.
type Page struct {
	Receivers            []Entity
	PageNum, PageSize    int64
	TotalPages, TotalRec int64
}

// Relations are every app's bound receivers; the zero value is ready.
type Relations struct {
	mu    sync.Mutex
	apps  map[string]*app
	store Store
	// shared is a store replicas share (--store); nil with one process.
	shared Shared
	// userLogon is the logon account of a user id (UserLogons).
	userLogon func(app, user string) (string, error)
}

// UserLogons sets how a userId receiver's login_name is found: the mock's
// one rule for a user's logon (a known buyer's, else derived), asked
// outside the lock. Unset, fixtures.LogonOf.
func (r *Relations) UserLogons(f func(app, user string) (string, error)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.userLogon = f
}

// Shared is a store replicas share (mock/pgstore.DB): one app's relations
// read, and changed by f under a lock of the app's relations that a change
// on another replica waits for (f's error: nothing changed).
type Shared interface {
	AppRelations(app string) ([]Entity, error)
	UpdateRelations(app string, f func(list []Entity) (next []Entity, changed bool, err error)) error
}

// Share makes every call that reads an app's relations read them from s
// first (Fresh), and every bind and unbind change them in s under its lock:
// another replica's bind or unbind, acknowledged before the call, is seen
// without waiting for its announcement, and none is lost.
func (r *Relations) Share(s Shared) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.shared = s
}

// Fresh reads the app's relations again from the shared store, if any; a
// read that fails is the caller's error (20000), never a verdict on a
// receiver.
func (r *Relations) Fresh(appID string) error {
	r.mu.Lock()
	s := r.shared
	r.mu.Unlock()
	if s == nil {
		return nil
	}
	list, err := s.AppRelations(appID)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.set(appID, list)
	return nil
}

// set replaces the app's relations in memory with list (at most MaxPerApp).
func (r *Relations) set(appID string, list []Entity) {
	switch {
	case len(list) == 0:
		delete(r.apps, appID)
	case r.apps == nil:
		r.apps = map[string]*app{}
		fallthrough
	default:
		r.apps[appID] = &app{list: append([]Entity(nil), capped(list)...)}
	}
}

func capped(list []Entity) []Entity { return list[:min(len(list), MaxPerApp)] }

// Store keeps relations across restarts (mock/store.DB).
type Store interface {
	PutRelations(app string, list []Entity) error
	DeleteRelations() error
}

// Persist writes every later change through to s.
func (r *Relations) Persist(s Store) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.store = s
}

// Restore replaces the relations with those stored, at most MaxPerApp an
// app.
func (r *Relations) Restore(all map[string][]Entity) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.apps = make(map[string]*app, len(all))
	for id, list := range all {
		r.apps[id] = &app{list: append([]Entity(nil), capped(list)...)}
	}
}

// save writes an app's relations through; a failed write is answered
// 20000 (the gateway's answer to an error without a code).
func (r *Relations) save(id string, list []Entity) error {
	if r.store == nil {
		return nil
	}
	return r.store.PutRelations(id, append([]Entity(nil), list...))
}

type app struct {
	list []Entity // in binding order
}

func key(e Entity) string { return e.Type + "|" + e.Account }

// Bind binds each receiver to the app. Binding a receiver already bound
// changes nothing and succeeds (inferred: production's answer to a
// repeat is not published).
func (r *Relations) Bind(appID string, in Request) error {
	if err := check(in, true); err != nil {
		return err
	}
	return r.change(appID, func(list []Entity) ([]Entity, bool, error) {
		have := make(map[string]bool, len(list))
		for _, e := range list {
			have[key(e)] = true
		}
		var add []Entity
		for _, e := range in.ReceiverList {
			if have[key(e)] {
				continue
			}
			have[key(e)] = true
			out := Entity{Type: e.Type, Account: strings.Clone(e.Account), Memo: strings.Clone(e.Memo)}
			if e.Type == TypeLoginName {
				out.LoginName, out.BindLoginName = out.Account, out.Account
			}
			add = append(add, out)
		}
		if len(list)+len(add) > MaxPerApp {
			return nil, false, trade.InvalidParameter("分账关系数量超过上限")
		}
		return append(list[:len(list):len(list)], add...), len(add) > 0, nil
	})
}

// Unbind removes each receiver from the app; one not bound is ignored
// (inferred).
func (r *Relations) Unbind(appID string, in Request) error {
	if err := check(in, false); err != nil {
		return err
	}
	gone := make(map[string]bool, len(in.ReceiverList))
	for _, e := range in.ReceiverList {
		gone[key(e)] = true
	}
	return r.change(appID, func(list []Entity) ([]Entity, bool, error) {
		var kept []Entity
		for _, e := range list {
			if !gone[key(e)] {
				kept = append(kept, e)
			}
		}
		return kept, len(kept) < len(list), nil
	})
}

// change applies f to the app's relations, never changing list in place
// (f's error: nothing changed). With a shared store f runs in the store,
// under its lock of the app's relations, on those stored; otherwise on
// those in memory, the change written through and kept only once written
// (a failed write is answered 20000, the gateway's answer to an error
// without a code, and changes nothing).
func (r *Relations) change(appID string, f func(list []Entity) ([]Entity, bool, error)) error {
	r.mu.Lock()
	s := r.shared
	if s == nil {
		defer r.mu.Unlock()
		a := r.app(appID)
		next, changed, err := f(a.list)
		if err != nil || !changed {
			return err
		}
		if err := r.save(appID, next); err != nil {
			return err
		}
		a.list = next
		return nil
	}
	r.mu.Unlock()
	var stored []Entity
	err := s.UpdateRelations(appID, func(list []Entity) ([]Entity, bool, error) {
		next, changed, err := f(capped(list))
		stored = next
		return next, changed, err
	})
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.set(appID, stored)
	return nil
}

// Bound reports whether a receiver of type typ (userId or loginName) and
// account is bound to the app; a logon matches without case, as a
// transfer's payee logon does.
func (r *Relations) Bound(appID, typ, account string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.app(appID).list {
		if e.Type == typ && (e.Account == account || typ == TypeLoginName && strings.EqualFold(e.Account, account)) {
			return true
		}
	}
	return false
}

// Query is one page of the app's relations, in binding order; page_num
// defaults to 1, page_size to 20 and must be in (0,100].
func (r *Relations) Query(appID string, q QueryRequest) (Page, error) {
	switch {
	case q.OutRequestNo == "":
		return Page{}, trade.InvalidParameter("out_request_no不能为空")
	case !requestNo(q.OutRequestNo):
		return Page{}, trade.InvalidParameter("out_request_no只能包含字母、数字、下划线，且不超过32个字符")
	case q.PageNum < 0:
		return Page{}, trade.InvalidParameter("page_num必须大于0")
	case q.PageSize < 0 || q.PageSize > 100:
		return Page{}, trade.InvalidParameter("page_size取值范围为(0,100]")
	}
	if q.PageNum == 0 {
		q.PageNum = 1
	}
	if q.PageSize == 0 {
		q.PageSize = 20
	}
	r.mu.Lock()
	list := r.app(appID).list
	num, size := int64(q.PageNum), int64(q.PageSize)
	p := Page{PageNum: num, PageSize: size, TotalRec: int64(len(list))}
	p.TotalPages = (p.TotalRec + size - 1) / size
	if num <= p.TotalPages { // never past the end: no overflow
		from := (num - 1) * size
		to := min(from+size, p.TotalRec)
		p.Receivers = append([]Entity(nil), list[from:to]...)
	}
	userLogon := r.userLogon
	r.mu.Unlock()
	for i := range p.Receivers {
		// login_name is "当前userId对应的支付宝登录号" (RoyaltyEntity) for
		// every receiver: for a userId, the logon a known buyer paid the
		// app with, else one derived from it (inferred), masked.
		if e := &p.Receivers[i]; e.Type == TypeUserID && e.LoginName == "" {
			account := fixtures.LogonOf(e.Account)
			if userLogon != nil {
				var err error
				if account, err = userLogon(appID, e.Account); err != nil {
					return Page{}, err
				}
			}
			e.LoginName = fixtures.MaskLogon(account)
		}
	}
	return p, nil
}

// Reset forgets an app's relations, or every app's for "".
func (r *Relations) Reset(appID string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if appID == "" {
		r.apps = nil
		if r.store != nil {
			return r.store.DeleteRelations()
		}
		return nil
	}
	delete(r.apps, appID)
	if r.store != nil {
		return r.store.PutRelations(appID, nil)
	}
	return nil
}

func (r *Relations) app(id string) *app {
	if r.apps == nil {
		r.apps = map[string]*app{}
	}
	a := r.apps[id]
	if a == nil {
		a = &app{}
		r.apps[id] = a
	}
	return a
}

// check validates a bind or unbind request as the model describes it.
func check(in Request, bind bool) *apierr.Error {
	switch {
	case in.OutRequestNo == "":
		return trade.InvalidParameter("out_request_no不能为空")
	case !requestNo(in.OutRequestNo):
		return trade.InvalidParameter("out_request_no只能包含字母、数字、下划线，且不超过32个字符")
	case len(in.ReceiverList) == 0:
		return trade.InvalidParameter("receiver_list不能为空")
	case len(in.ReceiverList) > MaxPerRequest:
		return trade.InvalidParameter("receiver_list单次最多20个")
	}
	for _, e := range in.ReceiverList {
		switch {
		case e.Type != TypeUserID && e.Type != TypeLoginName && e.Type != TypeOpenID:
			return trade.InvalidParameter("type只能是userId、loginName或openId")
		case e.Account == "":
			return trade.InvalidParameter("account不能为空")
		case len(e.Account) > 150 || len(e.Name) > 256 || len(e.Memo) > 256:
			return trade.InvalidParameter("account、name或memo过长")
		case e.Type == TypeUserID && !fixtures.IsUserID(e.Account):
			return trade.InvalidParameter("userId必须是2088开头的16位数字")
		case bind && e.Type == TypeLoginName && (!fixtures.IsLogonID(e.Account) || utf8.RuneCountInString(e.Account) > fixtures.MaxLogonLen):
			// As an order's buyer_logon_id (mock/trade/order.go): a logon
			// is a phone number or e-mail (the sub_msg is inferred). Unbind
			// still takes one bound before this check.
			return trade.InvalidParameter("loginName格式错误，应为手机号或邮箱")
		case bind && e.Type == TypeLoginName && e.Name == "":
			return trade.InvalidParameter("loginName类型的分账接收方name不能为空")
		}
	}
	return nil
}

// requestNo: up to 32 letters, digits and underscores.
func requestNo(s string) bool {
	if len(s) > 32 {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}
