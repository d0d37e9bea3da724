// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Target of the `set-code` load type: an EOA delegates to this code with EIP-7702, so `ping()` runs
/// in the EOA's own context (address(this) is the EOA, the counter lives in the EOA's storage).
contract Delegate {
    uint256 public pings;

    event Pinged(address indexed caller);

    function ping() external {
        unchecked {
            ++pings;
        }
        emit Pinged(msg.sender);
    }

    /// A delegated EOA must still take plain ETH (funding top-ups) and empty-calldata calls (a type-4
    /// transaction to itself): without this they would revert.
    receive() external payable {}
}
