// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Target of the `storage-write` and `heavy-compute` load types. Every slot is keyed by the sender, so
/// senders never contend for a slot (a parallel-execution builder is not serialised by this contract).
contract GasConsumer {
    /// The last value each sender stored.
    mapping(address => uint256) public stored;
    /// The last hash chain each sender computed.
    mapping(address => bytes32) public lastHash;

    /// One SSTORE of `value` into the sender's slot. It changes state whenever `value` differs from the
    /// sender's previous one (the load generator passes a fresh non-zero value, e.g. its nonce + 1).
    function store(uint256 value) external {
        stored[msg.sender] = value;
    }

    /// `rounds` keccak256 rounds over a running hash (seeded from the sender's last result), stored at
    /// the end so the work cannot be optimised away. Scratch memory only: gas grows linearly in `rounds`.
    function consumeGas(uint256 rounds) external {
        bytes32 h = lastHash[msg.sender];
        assembly ("memory-safe") {
            for { let i := 0 } lt(i, rounds) { i := add(i, 1) } {
                mstore(0x00, h)
                mstore(0x20, i)
                h := keccak256(0x00, 0x40)
            }
        }
        lastHash[msg.sender] = h;
    }
}
