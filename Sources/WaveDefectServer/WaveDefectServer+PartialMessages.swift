import Logging
import WebSocketCore

/// The server-wide budget for unfinished messages (`limits.max_partial_message_bytes`),
/// shared by every WebSocket the server reads: participants' (`/rtc`) and agent workers'
/// (`/agent`) alike, so a worker connection cannot hold what a participant may not.
extension WaveDefectServer {
    /// Reports that one connection's decoder now keeps `after` bytes of unfinished messages
    /// instead of `before`. Returns false when the connection grew while the budget is
    /// exhausted: the caller fails it with `PartialMessageBudget.refusal` (1009) and then
    /// gives its bytes back. Connections whose holdings did not change (nearly every read)
    /// cost one comparison.
    func partialMessagesChanged(from before: Int, to after: Int, _ connection: @autoclosure () -> Logger.Metadata) -> Bool {
        guard after != before, !partialMessages.change(from: before, to: after) else { return true }
        logger.info("unfinished-message budget exhausted", metadata: connection().merging(["held_total": "\(partialMessages.held)"]) { a, _ in a })
        return false
    }
}
