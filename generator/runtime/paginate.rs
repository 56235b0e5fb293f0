// Runtime of the generated crate, copied verbatim from generator/runtime/.

//! Cursor pagination as streams of pages or items.

use super::{Client, Error};
use futures_util::stream::{self, Stream, StreamExt, TryStreamExt};
use std::collections::HashSet;
use std::future::Future;

/// A request of a cursor-paginated operation.
pub(crate) trait PagedRequest: Clone + Send + Sync + 'static {
    /// The response page.
    type Page: Page;
    /// The cursor the request starts from, if any.
    fn cursor(&self) -> Option<&str>;
    /// Sets the cursor for the next call.
    fn set_cursor(&mut self, cursor: Option<String>);
    /// Sends the request.
    fn fetch(client: &Client, request: &Self) -> impl Future<Output = Result<Self::Page, Error>> + Send;
}

/// One page of a cursor-paginated listing.
pub(crate) trait Page: Send + 'static {
    /// The listed item.
    type Item: Send + 'static;
    /// The next cursor; `None` or empty ends the listing.
    fn next_cursor(&self) -> Option<&str>;
    /// The items.
    fn into_items(self) -> Vec<Self::Item>;
}

struct State<R> {
    client: Client,
    request: R,
    seen: HashSet<String>,
    pages: usize,
    done: bool,
    /// A cursor seen before: the page that returned it was yielded, the error comes next.
    repeated: Option<String>,
}

/// Every page, following `next_cursor`. A cursor seen before (the one the request starts from
/// included) ends the stream with [`Error::RepeatedCursor`], so a misbehaving server cannot make
/// it loop; more than [`Client::max_pages`] pages end it with [`Error::PageLimit`]. The set of
/// seen cursors is bounded by that page limit.
pub(crate) fn pages<R: PagedRequest>(
    client: Client,
    request: R,
) -> impl Stream<Item = Result<R::Page, Error>> + Send + 'static {
    let seen: HashSet<String> = request.cursor().filter(|c| !c.is_empty()).map(str::to_owned).into_iter().collect();
    let state = State { client, request, seen, pages: 0, done: false, repeated: None };
    stream::try_unfold(state, |mut st| async move {
        if let Some(cursor) = st.repeated.take() {
            return Err(Error::RepeatedCursor { cursor });
        }
        if st.done {
            return Ok(None);
        }
        if st.pages >= st.client.max_pages() {
            return Err(Error::PageLimit { pages: st.pages });
        }
        let page = R::fetch(&st.client, &st.request).await?;
        st.pages += 1;
        match page.next_cursor().filter(|c| !c.is_empty()) {
            None => st.done = true,
            Some(c) => {
                if st.seen.insert(c.to_owned()) {
                    st.request.set_cursor(Some(c.to_owned()));
                } else {
                    // Keep the page (its items are real), then end with the error.
                    st.repeated = Some(c.to_owned());
                }
            }
        }
        Ok(Some((page, st)))
    })
}

/// Every item of every page, in order.
pub(crate) fn items<R: PagedRequest>(
    client: Client,
    request: R,
) -> impl Stream<Item = Result<<R::Page as Page>::Item, Error>> + Send + 'static {
    pages(client, request).map_ok(|p| stream::iter(p.into_items().into_iter().map(Ok))).try_flatten().boxed()
}
