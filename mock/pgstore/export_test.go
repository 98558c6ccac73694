package pgstore

// ReadBatches is how many batches of reads were sent since the last call.
func ReadBatches() int64 { return readBatches.Swap(0) }

// The statements lists, counts and the sweep run, for TestListsReadOnlyTheirPage.
var (
	PageQuery      = pageQuery
	CountsQuery    = countsQuery
	CountInserted  = countInserted
	DueTradesQuery = dueTradesQuery
)

// JournalByteTrims is how many trims summed every journal entry's size
// since the last call.
func JournalByteTrims() int64 { return journalByteTrims.Swap(0) }

// InsertTrade is the statement that stores a new trade, for
// BenchmarkTradeInsertCost.
var InsertTrade = insertTrade

// PolicyReads is how many scenario policies were read since the last call.
func PolicyReads() int64 { return policyReads.Swap(0) }

// RecountEvery is how many trims a replica makes between two counts of the
// journal's bytes from its rows.
const RecountEvery = recountEvery

// ClaimUntoldQuery is the untold sweep's claim, for
// TestUntoldClaimReadsOnlyMarksPastTheirGrace.
const ClaimUntoldQuery = claimUntold

// UserTokenByRefreshQuery finds a sign-in pair by refresh token, for
// TestUnknownRefreshTokenReadsNoSignInRows.
const UserTokenByRefreshQuery = userTokenByRefresh

// TokenByRefreshQuery finds an app_auth_token by refresh token, for
// TestUnknownAppRefreshTokenReadsNoTokenRows.
const TokenByRefreshQuery = tokenByRefresh

// ChangedChannel is the channel replicas announce changes on.
const ChangedChannel = changedChannel

// FollowRowsQuery is a notifications follow's read, for
// TestFollowWithNothingWrittenReadsOnlyItsIndex.
const FollowRowsQuery = followRows
